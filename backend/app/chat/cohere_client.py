"""Cohere-backed interpreter: ClientV2.chat with a JSON-schema response mapped onto Intent.

Every failure mode (API error, timeout, network error, an answer that is not a valid action)
becomes ChatUpstreamError, which the endpoint turns into a 502 with a clear message.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import httpx
from cohere.core.api_error import ApiError
from pydantic import ValidationError

from app.chat.intent import Intent
from app.chat.interpreter import ChatUpstreamError

SYSTEM_PROMPT = """You turn one message from the user of a todo list into exactly one JSON action.
Today is {today} ({weekday}). Answer with JSON only, following the schema. Actions:
- "add": create a task; "title" is the task text without date words; "due_date" (YYYY-MM-DD) when the
  message names a day ("tomorrow", "friday" = the next Friday after today, "in 3 days").
- "complete" / "delete": "task_id" is the task number the user gives ("complete 3" -> 3).
- "list": "scope" is "open" for what is left/remaining, "done" for finished tasks, else "all".
- "unknown": anything else; "reply" is one short sentence saying what you can do."""

INTENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "action": {"type": "string", "enum": ["add", "complete", "delete", "list", "unknown"]},
        "title": {"type": "string"},
        "due_date": {"type": "string", "format": "date"},
        "task_id": {"type": "integer"},
        "scope": {"type": "string", "enum": ["open", "done", "all"]},
        "reply": {"type": "string"},
    },
    "required": ["action"],
}


class CohereInterpreter:
    def __init__(self, client: Any, model: str, timeout_seconds: float) -> None:
        # `client` is a cohere.ClientV2 (tests pass an object with the same .chat signature).
        self.client = client
        self.model = model
        self.timeout_seconds = timeout_seconds

    def interpret(self, message: str, today: date) -> Intent:
        try:
            response = self.client.chat(
                model=self.model,
                messages=[
                    {
                        "role": "system",
                        "content": SYSTEM_PROMPT.format(today=today.isoformat(), weekday=today.strftime("%A")),
                    },
                    {"role": "user", "content": message},
                ],
                response_format={"type": "json_object", "json_schema": INTENT_SCHEMA},
                temperature=0,
                # No retries: a retry would double the user's wait past the timeout budget.
                request_options={"timeout": self.timeout_seconds, "max_retries": 0},
            )
        except ApiError as exc:
            raise ChatUpstreamError(
                f"the AI assistant (Cohere) failed with HTTP {exc.status_code}; try again later"
            ) from None
        except httpx.TimeoutException:
            raise ChatUpstreamError(
                f"the AI assistant (Cohere) did not answer within {self.timeout_seconds:g} s"
            ) from None
        except httpx.HTTPError as exc:
            raise ChatUpstreamError(f"could not reach the AI assistant (Cohere): {type(exc).__name__}") from None
        return _intent_from(response)


def _intent_from(response: Any) -> Intent:
    content = getattr(getattr(response, "message", None), "content", None) or []
    text = "".join(getattr(item, "text", "") or "" for item in content if getattr(item, "type", "text") == "text")
    try:
        return Intent.model_validate(json.loads(text))
    except (ValueError, ValidationError):
        raise ChatUpstreamError("the AI assistant (Cohere) returned an answer that is not a task action") from None
