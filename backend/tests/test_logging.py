"""Request ids, JSON log lines, and the promise that no secret ever reaches a log."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.core.logging import JsonFormatter, register_secret, scrub
from tests.conftest import TEST_JWT_SECRET, LogCapture, signup

LINE_FIELDS = {"timestamp", "level", "logger", "message", "request_id", "user_id"}
REQUEST_FIELDS = LINE_FIELDS | {"method", "path", "status", "duration_ms"}


def test_generated_request_id_is_echoed(client: TestClient) -> None:
    first = client.get("/health").headers["X-Request-ID"]
    second = client.get("/health").headers["X-Request-ID"]
    assert len(first) == 32 and first != second


@pytest.mark.parametrize("request_id", ["abc-123", "trace.id_42", "x" * 128])
def test_valid_request_id_is_honoured(client: TestClient, request_id: str) -> None:
    assert client.get("/health", headers={"X-Request-ID": request_id}).headers["X-Request-ID"] == request_id


@pytest.mark.parametrize("request_id", ["x" * 129, "has space", "semi;colon", "new\\nline", "ümlaut", ""])
def test_invalid_request_id_is_replaced(client: TestClient, request_id: str) -> None:
    echoed = client.get("/health", headers={"X-Request-ID": request_id.encode("utf-8")}).headers["X-Request-ID"]
    assert echoed != request_id and len(echoed) == 32


def test_request_log_line_has_every_field(client: TestClient, logs: LogCapture) -> None:
    headers = signup(client)
    logs.stream.truncate(0)
    logs.stream.seek(0)
    client.get("/api/tasks", params={"q": "secret-query"}, headers={**headers, "X-Request-ID": "req-1"})
    [line] = [r for r in logs.records() if r["message"] == "request completed"]
    assert set(line) >= REQUEST_FIELDS
    assert line["request_id"] == "req-1"
    assert isinstance(line["user_id"], int)
    assert (line["method"], line["path"], line["status"], line["level"]) == ("GET", "/api/tasks", 200, "INFO")
    assert isinstance(line["duration_ms"], float)
    assert line["timestamp"].endswith("Z")
    assert "secret-query" not in logs.text  # query strings are not logged


def test_every_line_is_one_json_object(client: TestClient, logs: LogCapture) -> None:
    signup(client)
    client.get("/api/tasks")
    client.post("/api/tasks", content=b"{", headers={"Content-Type": "application/json"})
    lines = logs.text.splitlines()
    assert lines
    for line in lines:
        record = json.loads(line)
        assert set(record) >= LINE_FIELDS


def test_successful_probes_are_not_logged_at_any_level(client: TestClient, logs: LogCapture) -> None:
    # The fixture's app logs at DEBUG, like the dev loop: repeated 200s still leave no line.
    for _ in range(3):
        assert client.get("/health").status_code == 200
        assert client.get("/ready").status_code == 200
    assert not [r for r in logs.records() if r.get("path") in ("/health", "/ready")]


def test_no_password_or_token_in_logs(client: TestClient, logs: LogCapture) -> None:
    password = "Sup3r-Secret-Passw0rd!"
    signed = client.post("/api/auth/signup", json={"email": "leak@example.com", "password": password})
    logged_in = client.post("/api/auth/login", json={"email": "leak@example.com", "password": password})
    token = logged_in.json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    client.get("/api/auth/me", headers=headers)
    client.post("/api/tasks", json={"title": "x"}, headers=headers)
    client.post("/api/auth/login", json={"email": "leak@example.com", "password": password + "-wrong"})
    client.post("/api/auth/signup", json={"email": "leak@example.com", "password": password})  # 409
    client.post("/api/auth/signup", json={"email": "bad", "password": password})  # 422
    client.get("/api/tasks", headers={"Authorization": f"Bearer {token}tampered"})  # 401

    text = logs.text
    assert len(logs.records()) >= 9
    for secret in (password, token, signed.json()["access_token"], TEST_JWT_SECRET):
        assert secret not in text
    assert "eyJ" not in text


def test_unhandled_error_is_json_500_with_request_id_and_logged(client: TestClient, logs: LogCapture) -> None:
    app: FastAPI = client.app  # type: ignore[assignment]

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("kaboom")

    response = TestClient(app, raise_server_exceptions=False).get("/boom", headers={"X-Request-ID": "crash-1"})
    assert response.status_code == 500
    assert response.json() == {"detail": "internal server error", "request_id": "crash-1"}
    assert response.headers["X-Request-ID"] == "crash-1"
    error = next(r for r in logs.records() if r["message"] == "unhandled error")
    assert error["request_id"] == "crash-1" and "kaboom" in error["exception"]
    completed = next(r for r in logs.records() if r["message"] == "request completed")
    assert completed["status"] == 500


def test_formatter_masks_registered_secrets_and_jwts() -> None:
    register_secret("db-password-123")
    register_secret("short")  # too short to mask safely: ignored
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "url %s token %s", ("pg://u:db-password-123@h", "eyJabcdef.eyJabcdef.sig"), None
    )
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "url pg://u:[redacted]@h token [redacted]"
    assert scrub("short words stay") == "short words stay"


def test_exception_text_is_scrubbed_too() -> None:
    register_secret("exception-secret-value")
    try:
        raise ValueError("failed with exception-secret-value")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "oops", (), sys.exc_info())
    assert "exception-secret-value" not in JsonFormatter().format(record)


def test_cors_allows_configured_origins_only(make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client(cors_origins="http://localhost:3000, https://todo.example.com/")
    preflight = {"Access-Control-Request-Method": "POST"}
    allowed = client.options("/api/tasks", headers={"Origin": "https://todo.example.com", **preflight})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://todo.example.com"
    denied = client.options("/api/tasks", headers={"Origin": "https://evil.example.com", **preflight})
    assert "access-control-allow-origin" not in denied.headers
    simple = client.get("/health", headers={"Origin": "http://localhost:3000"})
    assert simple.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "X-Request-ID" in simple.headers["access-control-expose-headers"]


def test_no_cors_headers_without_origins(client: TestClient) -> None:
    response = client.get("/health", headers={"Origin": "http://localhost:3000"})
    assert "access-control-allow-origin" not in response.headers
