"""POST /api/chat end to end: the built-in parser on both databases, and the Cohere path with
a fake Cohere client object (Cohere's API is unreachable here) behind the SDK's own interface."""

from __future__ import annotations

import json
import time
from typing import Any, ClassVar

import cohere
import httpx
import pytest
from cohere.core.api_error import ApiError
from cohere.errors.internal_server_error import InternalServerError
from fastapi.testclient import TestClient

from app.chat.cohere_client import CohereInterpreter
from app.chat.parser import RuleBasedInterpreter
from tests.conftest import Database, signup
from tests.support.ports import closed_port


def chat(client: TestClient, headers: dict[str, str], message: str, today: str = "2026-02-18") -> dict[str, Any]:
    response = client.post("/api/chat", json={"message": message, "today": today}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_add_list_complete_delete(client: TestClient, user: dict[str, str], database: Database) -> None:
    added = chat(client, user, "add buy milk tomorrow")
    [action] = added["actions"]
    assert action["type"] == "created"
    task = action["task"]
    assert task["title"] == "buy milk" and task["due_date"] == "2026-02-19"
    assert added["reply"] == f"Added #{task['id']} buy milk (due Thu 19 Feb)."
    assert added["tasks"] == [task]
    assert client.get(f"/api/tasks/{task['id']}", headers=user).json() == task

    chat(client, user, "add call mom")
    left = chat(client, user, "what is left?")
    assert [a["type"] for a in left["actions"]] == ["listed", "listed"]
    assert left["reply"].startswith("You have 2 open tasks: ")

    completed = chat(client, user, f"complete {task['id']}")
    assert completed["actions"][0]["type"] == "completed"
    assert completed["actions"][0]["task"]["done"] is True
    assert client.get(f"/api/tasks/{task['id']}", headers=user).json()["done"] is True
    again = chat(client, user, f"complete {task['id']}")
    assert again["actions"] == [] and "already done" in again["reply"]
    assert len(chat(client, user, "what is left?")["actions"]) == 1
    assert [a["task"]["title"] for a in chat(client, user, "what have I done?")["actions"]] == ["buy milk"]
    assert "[done]" in chat(client, user, "list")["reply"]

    deleted = chat(client, user, f"delete {task['id']}")
    assert deleted["actions"][0]["type"] == "deleted"
    assert deleted["actions"][0]["task"]["id"] == task["id"]
    assert [t["title"] for t in deleted["tasks"]] == ["call mom"]
    assert database.count("tasks") == 1


def test_list_replies_when_empty(client: TestClient, user: dict[str, str]) -> None:
    assert chat(client, user, "list")["reply"] == "You have no tasks yet. Try 'add buy milk tomorrow'."
    assert chat(client, user, "what have I done")["reply"] == "You haven't finished any tasks yet."
    assert chat(client, user, "what is left")["reply"] == "Nothing left to do: every task is done."


def test_unknown_sentence_changes_nothing(client: TestClient, user: dict[str, str], database: Database) -> None:
    body = chat(client, user, "sing me a song")
    assert body["actions"] == [] and "add buy milk tomorrow" in body["reply"]
    assert database.count("tasks") == 0


def test_chat_cannot_touch_other_users_tasks(
    client: TestClient, user: dict[str, str], other_user: dict[str, str], database: Database
) -> None:
    task = chat(client, user, "add private thing")["actions"][0]["task"]
    for verb in ("complete", "delete"):
        body = chat(client, other_user, f"{verb} {task['id']}")
        assert body["actions"] == []
        assert body["reply"].startswith(f"I couldn't find task #{task['id']}")
        assert body["tasks"] == []
    assert "private thing" not in json.dumps(chat(client, other_user, "list"))
    assert client.get(f"/api/tasks/{task['id']}", headers=user).json()["done"] is False
    assert database.count("tasks") == 1


def test_chat_title_too_long_is_refused_politely(client: TestClient, user: dict[str, str], database: Database) -> None:
    body = chat(client, user, "add " + "x" * 600)
    assert body["actions"] == [] and "1 to 500 characters" in body["reply"]
    assert database.count("tasks") == 0


@pytest.mark.parametrize(
    "body",
    [{}, {"message": ""}, {"message": "   "}, {"message": "x" * 1001}, {"message": "list", "extra": 1}, {"message": 5}],
)
def test_chat_rejects_bad_input(client: TestClient, user: dict[str, str], body: dict[str, object]) -> None:
    response = client.post("/api/chat", json=body, headers=user)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "body"


def test_without_api_key_the_builtin_parser_serves(client: TestClient) -> None:
    assert isinstance(client.app.state.chat_interpreter, RuleBasedInterpreter)


# --- Cohere path --------------------------------------------------------------------------


def cohere_reply(payload: dict[str, Any] | str) -> cohere.V2ChatResponse:
    """A response object of the SDK's own type, as ClientV2.chat returns it."""
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return cohere.V2ChatResponse(
        id="resp-1",
        finish_reason="COMPLETE",
        message=cohere.AssistantMessageResponse(
            role="assistant", content=[cohere.TextAssistantMessageResponseContentItem(type="text", text=text)]
        ),
    )


class FakeCohereClient:
    """Stands in for cohere.ClientV2: same constructor keywords, same .chat signature."""

    instances: ClassVar[list[FakeCohereClient]] = []

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.calls: list[dict[str, Any]] = []
        self.behaviour: Any = None
        FakeCohereClient.instances.append(self)

    def chat(self, *, model: str, messages: list[dict[str, str]], **kwargs: Any) -> cohere.V2ChatResponse:
        self.calls.append({"model": model, "messages": messages, **kwargs})
        if isinstance(self.behaviour, BaseException):
            raise self.behaviour
        if callable(self.behaviour):
            return self.behaviour()
        return cohere_reply(self.behaviour)


@pytest.fixture
def cohere_client(make_client, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """An app configured with COHERE_API_KEY whose cohere.ClientV2 is the fake."""
    monkeypatch.setattr(cohere, "ClientV2", FakeCohereClient)
    FakeCohereClient.instances.clear()
    client = make_client(cohere_api_key="co-test-key-123456", cohere_timeout_seconds=1.0)
    fake = FakeCohereClient.instances[-1]
    return client, fake


def test_cohere_client_is_built_from_settings(cohere_client) -> None:  # type: ignore[no-untyped-def]
    client, fake = cohere_client
    assert isinstance(client.app.state.chat_interpreter, CohereInterpreter)
    assert fake.kwargs["api_key"] == "co-test-key-123456"
    assert fake.kwargs["timeout"] == 1.0 and fake.kwargs["max_retries"] == 0


def test_cohere_success_is_mapped_to_the_same_contract(cohere_client, database: Database) -> None:  # type: ignore[no-untyped-def]
    client, fake = cohere_client
    headers = signup(client)
    fake.behaviour = {"action": "add", "title": "buy milk", "due_date": "2026-02-19"}
    body = chat(client, headers, "please put milk on my list for tomorrow")
    assert body["actions"][0]["type"] == "created"
    assert body["actions"][0]["task"]["title"] == "buy milk"
    assert body["actions"][0]["task"]["due_date"] == "2026-02-19"
    call = fake.calls[-1]
    assert call["messages"][-1] == {"role": "user", "content": "please put milk on my list for tomorrow"}
    assert "2026-02-18" in call["messages"][0]["content"]  # the user's "today" reaches the prompt
    assert call["response_format"]["type"] == "json_object"
    assert call["request_options"]["timeout"] == 1.0

    task_id = body["actions"][0]["task"]["id"]
    fake.behaviour = {"action": "complete", "task_id": task_id}
    assert chat(client, headers, "I bought the milk")["actions"][0]["type"] == "completed"
    fake.behaviour = {"action": "list", "scope": "done"}
    assert len(chat(client, headers, "what did I get done")["actions"]) == 1
    fake.behaviour = {"action": "unknown", "reply": "I can only manage your tasks."}
    assert chat(client, headers, "tell me a joke")["reply"] == "I can only manage your tasks."
    fake.behaviour = {"action": "delete", "task_id": task_id}
    assert chat(client, headers, "forget the milk")["actions"][0]["type"] == "deleted"
    assert database.count("tasks") == 0


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (ApiError(status_code=429, body={"message": "rate limited"}), "failed with HTTP 429"),
        (InternalServerError(body={"message": "boom"}), "failed with HTTP 500"),
        (httpx.ReadTimeout("timed out"), "did not answer within 1 s"),
        (httpx.ConnectError("connection refused"), "could not reach the AI assistant"),
    ],
)
def test_cohere_errors_are_502_with_a_clear_message(
    cohere_client, error: Exception, message: str, database: Database
) -> None:  # type: ignore[no-untyped-def]
    client, fake = cohere_client
    headers = signup(client)
    fake.behaviour = error
    response = client.post("/api/chat", json={"message": "add something"}, headers=headers)
    assert response.status_code == 502
    assert message in response.json()["detail"]
    assert database.count("tasks") == 0


@pytest.mark.parametrize("answer", ["not json at all", {"action": "fly"}, {"action": "complete", "task_id": -4}])
def test_unusable_cohere_answer_is_502(cohere_client, answer: Any) -> None:  # type: ignore[no-untyped-def]
    client, fake = cohere_client
    headers = signup(client)
    fake.behaviour = answer
    response = client.post("/api/chat", json={"message": "add something"}, headers=headers)
    assert response.status_code == 502
    assert "not a task action" in response.json()["detail"]


def test_cohere_that_hangs_gives_502_fast(cohere_client) -> None:  # type: ignore[no-untyped-def]
    client, fake = cohere_client
    headers = signup(client)

    def hang() -> cohere.V2ChatResponse:
        time.sleep(5)  # far beyond COHERE_TIMEOUT_SECONDS=1
        return cohere_reply({"action": "list"})

    fake.behaviour = hang
    started = time.monotonic()
    response = client.post("/api/chat", json={"message": "list"}, headers=headers)
    assert response.status_code == 502
    assert "did not answer within 1 s" in response.json()["detail"]
    assert time.monotonic() - started < 2.5


def test_real_cohere_sdk_against_unreachable_server_is_502(make_client) -> None:  # type: ignore[no-untyped-def]
    # The real ClientV2 (no fake): its network error must map to 502, not a 500 or a hang.
    client = make_client(
        cohere_api_key="co-test-key-123456",
        cohere_base_url=f"http://127.0.0.1:{closed_port()}",
        cohere_timeout_seconds=2.0,
    )
    assert isinstance(client.app.state.chat_interpreter.client, cohere.ClientV2)
    headers = signup(client)
    started = time.monotonic()
    response = client.post("/api/chat", json={"message": "list"}, headers=headers)
    assert response.status_code == 502
    assert "could not reach the AI assistant" in response.json()["detail"]
    assert time.monotonic() - started < 3
