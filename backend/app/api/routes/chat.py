"""/api/chat: one sentence in, task actions out."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, Request, status

from app.api.deps import CurrentUser, SessionDep, SettingsDep
from app.chat.interpreter import ChatInterpreter, ChatUpstreamError
from app.chat.schemas import ChatRequest, ChatResponse
from app.chat.service import carry_out
from app.core.threads import call_with_deadline

router = APIRouter(prefix="/api", tags=["chat"])
logger = logging.getLogger("app.chat")


@router.post("/chat", response_model=ChatResponse)
def chat(
    body: ChatRequest, request: Request, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> ChatResponse:
    assert user.id is not None
    interpreter: ChatInterpreter = request.app.state.chat_interpreter
    today = body.today or datetime.now(UTC).date()
    try:
        # A hard deadline on top of the SDK's own timeout: whatever the client library does,
        # the user gets an answer within COHERE_TIMEOUT_SECONDS.
        intent = call_with_deadline(
            lambda: interpreter.interpret(body.message, today), settings.cohere_timeout_seconds, "chat-interpret"
        )
    except TimeoutError:
        logger.warning("chat interpreter timed out")
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY,
            detail=f"the AI assistant did not answer within {settings.cohere_timeout_seconds:g} s; try again",
        ) from None
    except ChatUpstreamError as exc:
        logger.warning("chat interpreter failed: %s", exc)
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, detail=str(exc)) from None
    logger.info("chat intent %s", intent.action)
    return carry_out(session, user.id, intent)
