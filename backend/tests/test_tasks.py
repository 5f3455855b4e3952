"""/api/tasks: CRUD, filters, pagination, validation, and strict per-user isolation."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Database


def create(client: TestClient, headers: dict[str, str], title: str, **fields: object) -> dict[str, object]:
    response = client.post("/api/tasks", json={"title": title, **fields}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_create_and_get(client: TestClient, user: dict[str, str]) -> None:
    task = create(client, user, "  buy milk  ", due_date="2026-03-01")
    assert task["title"] == "buy milk"
    assert task["done"] is False and task["due_date"] == "2026-03-01"
    assert set(task) == {"id", "title", "done", "due_date", "created_at", "updated_at"}
    assert task["created_at"].endswith("Z")
    assert client.get(f"/api/tasks/{task['id']}", headers=user).json() == task


def test_title_of_exactly_500_chars_is_accepted(client: TestClient, user: dict[str, str]) -> None:
    assert create(client, user, "x" * 500)["title"] == "x" * 500


def test_patch_changes_only_given_fields(client: TestClient, user: dict[str, str]) -> None:
    task = create(client, user, "write report", due_date="2026-03-01")
    response = client.patch(f"/api/tasks/{task['id']}", json={"done": True}, headers=user)
    assert response.status_code == 200
    updated = response.json()
    assert updated["done"] is True
    assert updated["title"] == "write report" and updated["due_date"] == "2026-03-01"
    assert updated["updated_at"] >= task["updated_at"]
    renamed = client.patch(f"/api/tasks/{task['id']}", json={"title": " final report ", "due_date": None}, headers=user)
    assert renamed.json()["title"] == "final report"
    assert renamed.json()["due_date"] is None  # null clears the due date


def test_delete(client: TestClient, user: dict[str, str], database: Database) -> None:
    task = create(client, user, "temporary")
    response = client.delete(f"/api/tasks/{task['id']}", headers=user)
    assert response.status_code == 204 and response.content == b""
    assert client.get(f"/api/tasks/{task['id']}", headers=user).status_code == 404
    assert client.delete(f"/api/tasks/{task['id']}", headers=user).status_code == 404
    assert database.count("tasks") == 0


def test_list_filters_search_and_pagination(client: TestClient, user: dict[str, str]) -> None:
    titles = ["Buy milk", "buy bread", "Call mom", "100% done_ish", "pay rent"]
    ids = [create(client, user, t)["id"] for t in titles]
    client.patch(f"/api/tasks/{ids[1]}", json={"done": True}, headers=user)

    everything = client.get("/api/tasks", headers=user).json()
    assert everything["total"] == 5 and [t["id"] for t in everything["items"]] == ids
    assert (everything["limit"], everything["offset"]) == (50, 0)

    open_tasks = client.get("/api/tasks", params={"status": "open"}, headers=user).json()
    assert open_tasks["total"] == 4 and all(not t["done"] for t in open_tasks["items"])
    done = client.get("/api/tasks", params={"status": "done"}, headers=user).json()
    assert [t["title"] for t in done["items"]] == ["buy bread"]

    search = client.get("/api/tasks", params={"q": "BUY"}, headers=user).json()
    assert sorted(t["title"] for t in search["items"]) == ["Buy milk", "buy bread"]
    combined = client.get("/api/tasks", params={"q": "buy", "status": "open"}, headers=user).json()
    assert [t["title"] for t in combined["items"]] == ["Buy milk"]
    # % and _ are literal characters, not SQL wildcards.
    assert client.get("/api/tasks", params={"q": "0% d"}, headers=user).json()["total"] == 1
    assert client.get("/api/tasks", params={"q": "_"}, headers=user).json()["total"] == 1

    page = client.get("/api/tasks", params={"limit": 2, "offset": 2}, headers=user).json()
    assert page["total"] == 5 and [t["id"] for t in page["items"]] == ids[2:4]
    past_end = client.get("/api/tasks", params={"limit": 2, "offset": 10}, headers=user).json()
    assert past_end["total"] == 5 and past_end["items"] == []


@pytest.mark.parametrize(
    "params", [{"status": "maybe"}, {"limit": 0}, {"limit": 1000}, {"offset": -1}, {"limit": "ten"}]
)
def test_list_rejects_bad_query_parameters(client: TestClient, user: dict[str, str], params: dict[str, object]) -> None:
    response = client.get("/api/tasks", params=params, headers=user)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "query"


BAD_CREATE_BODIES = {
    "empty-title": ({"title": ""}, "title"),
    "whitespace-title": ({"title": "   \t "}, "title"),
    "oversized-title": ({"title": "x" * 501}, "title"),
    "missing-title": ({}, "title"),
    "null-title": ({"title": None}, "title"),
    "number-title": ({"title": 123}, "title"),
    "string-done": ({"title": "ok", "done": "yes"}, "done"),
    "bad-date": ({"title": "ok", "due_date": "next tuesday"}, "due_date"),
    "impossible-date": ({"title": "ok", "due_date": "2026-02-30"}, "due_date"),
    "unknown-field": ({"title": "ok", "owner_id": 1}, "owner_id"),
}


@pytest.mark.parametrize("case", BAD_CREATE_BODIES)
def test_create_rejects_bad_input_and_writes_nothing(
    client: TestClient, user: dict[str, str], database: Database, case: str
) -> None:
    body, field = BAD_CREATE_BODIES[case]
    response = client.post("/api/tasks", json=body, headers=user)
    assert response.status_code == 422, response.text
    errors = response.json()["detail"]
    assert any(error["loc"] == ["body", field] and error["msg"] for error in errors), errors
    assert database.count("tasks") == 0


@pytest.mark.parametrize("raw", [b"{not json", b'{"title": "a",}', b"", b"[1, 2]", b'"just a string"'])
def test_create_rejects_malformed_json(
    client: TestClient, user: dict[str, str], database: Database, raw: bytes
) -> None:
    response = client.post("/api/tasks", content=raw, headers={**user, "Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "body"
    assert database.count("tasks") == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": None}, "title"),
        ({"done": None}, "done"),
        ({"title": "y" * 501}, "title"),
        ({"done": "true-ish"}, "done"),
        ({"priority": 1}, "priority"),
    ],
)
def test_patch_rejects_bad_input_and_changes_nothing(
    client: TestClient, user: dict[str, str], body: dict[str, object], field: str
) -> None:
    task = create(client, user, "unchanged")
    response = client.patch(f"/api/tasks/{task['id']}", json=body, headers=user)
    assert response.status_code == 422
    assert any(error["loc"] == ["body", field] for error in response.json()["detail"])
    assert client.get(f"/api/tasks/{task['id']}", headers=user).json() == task


def test_non_numeric_task_id_is_422(client: TestClient, user: dict[str, str]) -> None:
    assert client.get("/api/tasks/abc", headers=user).status_code == 422


def test_unknown_task_is_404(client: TestClient, user: dict[str, str]) -> None:
    response = client.get("/api/tasks/999999", headers=user)
    assert response.status_code == 404
    assert response.json() == {"detail": "task 999999 not found"}


@pytest.mark.parametrize("task_id", [2**31, 2**63, 32589158477190044729])
def test_ids_beyond_the_database_integer_range_are_404_not_500(
    client: TestClient, user: dict[str, str], task_id: int
) -> None:
    # Found by schemathesis (tests/reliability): the driver raised OverflowError -> 500.
    assert client.get(f"/api/tasks/{task_id}", headers=user).status_code == 404
    assert client.patch(f"/api/tasks/{task_id}", json={"done": True}, headers=user).status_code == 404
    assert client.delete(f"/api/tasks/{task_id}", headers=user).status_code == 404


def test_offset_beyond_the_database_integer_range_is_an_empty_page(client: TestClient, user: dict[str, str]) -> None:
    create(client, user, "one")
    response = client.get("/api/tasks", params={"offset": 104952354008776915311528211644416}, headers=user)
    assert response.status_code == 200
    assert response.json()["items"] == [] and response.json()["total"] == 1


def test_other_users_tasks_are_invisible_everywhere(
    client: TestClient, user: dict[str, str], other_user: dict[str, str], database: Database
) -> None:
    mine = create(client, user, "my secret plan")
    theirs = create(client, other_user, "their secret plan")
    path = f"/api/tasks/{mine['id']}"

    # Every endpoint answers 404 (not 403): the other user cannot even learn the id exists.
    assert client.get(path, headers=other_user).status_code == 404
    assert client.patch(path, json={"done": True}, headers=other_user).status_code == 404
    assert client.patch(path, json={"title": "hijacked"}, headers=other_user).status_code == 404
    assert client.delete(path, headers=other_user).status_code == 404
    for response in [
        client.get(path, headers=other_user),
        client.patch(path, json={"done": True}, headers=other_user),
        client.delete(path, headers=other_user),
    ]:
        assert response.json() == {"detail": f"task {mine['id']} not found"}

    # Nothing changed, nothing leaked.
    assert client.get(path, headers=user).json() == mine
    assert database.count("tasks") == 2
    listing = client.get("/api/tasks", headers=other_user).json()
    assert listing["total"] == 1 and [t["id"] for t in listing["items"]] == [theirs["id"]]
    search = client.get("/api/tasks", params={"q": "secret"}, headers=other_user).json()
    assert [t["title"] for t in search["items"]] == ["their secret plan"]
    assert "my secret plan" not in client.get("/api/tasks", params={"status": "open"}, headers=other_user).text


def test_deleting_a_user_deletes_their_tasks(client: TestClient, user: dict[str, str], database: Database) -> None:
    create(client, user, "orphan?")
    database.execute("DELETE FROM users")
    assert database.count("tasks") == 0
