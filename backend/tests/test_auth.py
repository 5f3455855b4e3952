"""Sign-up, login, /me and every way a token can be wrong."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import argon2
import jwt
import pytest
from fastapi.testclient import TestClient

from app.core.security import Passwords, create_access_token
from tests.conftest import TEST_JWT_SECRET, Database, signup

PASSWORD = "correct horse battery"


def test_signup_returns_token_and_user(client: TestClient, database: Database) -> None:
    response = client.post("/api/auth/signup", json={"email": " Ann@Example.com ", "password": PASSWORD})
    assert response.status_code == 201
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["user"]["email"] == "ann@example.com"
    assert set(body["user"]) == {"id", "email", "created_at"}
    assert body["user"]["created_at"].endswith("Z")
    claims = jwt.decode(body["access_token"], TEST_JWT_SECRET, algorithms=["HS256"])
    assert claims["sub"] == str(body["user"]["id"])
    assert claims["exp"] > claims["iat"]
    assert database.count("users") == 1


def test_password_is_stored_as_argon2_hash(client: TestClient, database: Database) -> None:
    signup(client, "hash@example.com", PASSWORD)
    with database.engine.connect() as connection:
        from sqlalchemy import text

        stored = connection.execute(text("SELECT password_hash FROM users")).scalar_one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_duplicate_signup_is_409_case_insensitive(client: TestClient, database: Database) -> None:
    signup(client, "dup@example.com")
    response = client.post("/api/auth/signup", json={"email": "DUP@example.com", "password": PASSWORD})
    assert response.status_code == 409
    assert "already exists" in response.json()["detail"]
    assert database.count("users") == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"email": "a@example.com", "password": "short"}, "password"),
        ({"email": "a@example.com", "password": "x" * 129}, "password"),
        ({"email": "a@example.com"}, "password"),
        ({"email": "a@example.com", "password": PASSWORD, "is_admin": True}, "is_admin"),
        ({"email": 42, "password": PASSWORD}, "email"),
    ],
)
def test_signup_rejects_bad_input_and_writes_nothing(
    client: TestClient, database: Database, body: dict[str, object], field: str
) -> None:
    response = client.post("/api/auth/signup", json=body)
    assert response.status_code == 422
    errors = response.json()["detail"]
    assert any(error["loc"][-1] == field and error["msg"] for error in errors)
    # The submitted values (a password!) are not echoed back.
    assert all("input" not in error for error in errors)
    assert PASSWORD not in response.text
    assert database.count("users") == 0


def test_login_returns_a_working_token(client: TestClient) -> None:
    signup(client, "login@example.com", PASSWORD)
    response = client.post("/api/auth/login", json={"email": "LOGIN@example.com", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["user"]["email"] == "login@example.com"
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["email"] == "login@example.com"


@pytest.mark.parametrize(
    "credentials",
    [
        {"email": "login@example.com", "password": "wrong password"},
        {"email": "nobody@example.com", "password": PASSWORD},
    ],
    ids=["wrong-password", "unknown-email"],
)
def test_bad_login_is_401_with_one_message(client: TestClient, credentials: dict[str, str]) -> None:
    signup(client, "login@example.com", PASSWORD)
    response = client.post("/api/auth/login", json=credentials)
    assert response.status_code == 401
    # Same answer for both cases: no way to learn which emails have accounts.
    assert response.json() == {"detail": "incorrect email or password"}


def test_login_rejects_unknown_fields(client: TestClient) -> None:
    response = client.post("/api/auth/login", json={"email": "a@b.co", "password": "x", "remember": True})
    assert response.status_code == 422


def _token_for(client: TestClient) -> tuple[int, str]:
    response = client.post("/api/auth/signup", json={"email": "tok@example.com", "password": PASSWORD})
    return response.json()["user"]["id"], response.json()["access_token"]


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    return f"{header}.{payload}.{flipped}"


@pytest.mark.parametrize("case", ["missing", "not-bearer", "garbage", "tampered", "expired", "other-secret", "no-sub"])
def test_bad_tokens_are_401(client: TestClient, case: str) -> None:
    user_id, token = _token_for(client)
    past = datetime.now(UTC) - timedelta(hours=2)
    headers = {
        "missing": {},
        "not-bearer": {"Authorization": f"Basic {token}"},
        "garbage": {"Authorization": "Bearer not.a.jwt"},
        "tampered": {"Authorization": f"Bearer {_tampered(token)}"},
        "expired": {"Authorization": f"Bearer {create_access_token(user_id, TEST_JWT_SECRET, 60, now=past)}"},
        "other-secret": {"Authorization": f"Bearer {create_access_token(user_id, 'another-secret-' * 4, 60)}"},
        "no-sub": {
            "Authorization": "Bearer " + jwt.encode({"exp": datetime.now(UTC) + timedelta(hours=1)}, TEST_JWT_SECRET)
        },
    }[case]
    for method, path in [("GET", "/api/auth/me"), ("GET", "/api/tasks"), ("POST", "/api/chat")]:
        response = client.request(method, path, headers=headers, json={"message": "list"} if method == "POST" else None)
        assert response.status_code == 401, (case, path)
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_token_of_deleted_user_is_401(client: TestClient, database: Database) -> None:
    headers = signup(client)
    database.execute("DELETE FROM users")
    assert client.get("/api/auth/me", headers=headers).status_code == 401


def test_tokens_signed_by_one_instance_work_on_another_with_the_same_secret(make_client) -> None:  # type: ignore[no-untyped-def]
    # Two replicas share JWT_SECRET: a token from one is accepted by the other.
    first, second = make_client(), make_client()
    headers = signup(first)
    assert second.get("/api/auth/me", headers=headers).status_code == 200


@pytest.mark.parametrize(("time_cost", "memory_kib"), [(1, 1024), (3, 65536)])
def test_an_unknown_email_is_verified_against_a_hash_with_the_same_costs(time_cost: int, memory_kib: int) -> None:
    """The timing equaliser: a login for an unknown email verifies the password against a hash with
    exactly the parameters of a stored one (same work, same time) and never succeeds."""
    passwords = Passwords(time_cost=time_cost, memory_kib=memory_kib)
    stored = passwords.hash(PASSWORD)
    assert argon2.extract_parameters(passwords._dummy) == argon2.extract_parameters(stored)
    assert passwords.verify(PASSWORD, None) is False
    assert passwords.verify("", None) is False
    assert passwords.verify(PASSWORD, stored) is True
