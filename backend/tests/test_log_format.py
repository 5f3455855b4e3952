"""LOG_FORMAT: readable lines for the dev loop's Tilt pane, JSON for production; probe noise.

Read from the app's own stdout handler (the one `configure_logging` installs), so these lines are
exactly what `kubectl logs` and Tilt's pane show.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from app.core.config import SettingsError, load_settings
from app.core.logging import JsonFormatter, TextFormatter, register_secret
from tests.conftest import Database, signup

# What values-dev.yaml sets, and what values.yaml does.
DEV = {"log_level": "DEBUG", "log_format": "text", "app_env": "development"}
PROD = {"log_level": "INFO", "log_format": "json"}
TEXT_REQUEST_LINE = re.compile(
    r"^\d\d:\d\d:\d\d\.\d{3} INFO    app\.request  request completed GET /api/tasks status=200 "
    r"\d+(\.\d+)?ms request_id=req-7 user_id=\d+$"
)
JWT_SHAPED = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXBhcnQ"


class Stdout:
    """The app's stdout handler, pointed at a buffer for one test."""

    def __init__(self) -> None:
        [self.handler] = [h for h in logging.getLogger().handlers if type(h).__name__ == "_StdoutHandler"]
        self.buffer = io.StringIO()
        self._original = self.handler.setStream(self.buffer)

    def lines(self) -> list[str]:
        return self.buffer.getvalue().splitlines()

    def clear(self) -> None:
        self.buffer.seek(0)
        self.buffer.truncate()

    def restore(self) -> None:
        if self._original is not None:
            self.handler.setStream(self._original)
        self.handler.setFormatter(JsonFormatter())


@pytest.fixture
def serve(make_client: Callable[..., TestClient]) -> Iterator[Callable[..., tuple[TestClient, Stdout]]]:
    captured: list[Stdout] = []

    def start(**settings: object) -> tuple[TestClient, Stdout]:
        client = make_client(**settings)
        captured.append(Stdout())
        return client, captured[-1]

    yield start
    for stdout in captured:
        stdout.restore()


def hide_schema(database: Database) -> None:
    # /ready answers 503 "schema behind" while the version table is missing.
    database.execute("ALTER TABLE alembic_version RENAME TO alembic_version_hidden")


def restore_schema(database: Database) -> None:
    database.execute("ALTER TABLE alembic_version_hidden RENAME TO alembic_version")


def test_dev_request_is_one_readable_line_and_a_probe_none(serve) -> None:  # type: ignore[no-untyped-def]
    client, stdout = serve(**DEV)
    headers = signup(client)
    stdout.clear()
    assert client.get("/api/tasks", headers={**headers, "X-Request-ID": "req-7"}).status_code == 200
    assert client.get("/health").status_code == 200
    assert client.get("/ready").status_code == 200
    [line] = stdout.lines()
    assert TEXT_REQUEST_LINE.match(line), line


def test_dev_probe_that_changes_status_is_logged(serve, database: Database) -> None:  # type: ignore[no-untyped-def]
    client, stdout = serve(**DEV)
    stdout.clear()
    assert client.get("/ready").status_code == 200
    hide_schema(database)
    try:
        assert client.get("/ready").status_code == 503
        assert client.get("/ready").status_code == 503
    finally:
        restore_schema(database)
    assert client.get("/ready").status_code == 200
    assert client.get("/ready").status_code == 200
    probe_lines = [line for line in stdout.lines() if " GET /ready " in line]
    # ready -> 503 (a warning), still 503 (the service is still broken), ready again; the
    # 200s around them are not news.
    assert [line.split()[1] for line in probe_lines] == ["WARNING", "INFO", "INFO"]
    assert "status=503 (was 200)" in probe_lines[0]
    assert "status=503" in probe_lines[1] and "(was" not in probe_lines[1]
    assert "status=200 (was 503)" in probe_lines[2]


def test_prod_lines_stay_json_with_every_field(serve, database: Database) -> None:  # type: ignore[no-untyped-def]
    client, stdout = serve(**PROD)
    headers = signup(client)
    stdout.clear()
    client.get("/api/tasks", headers={**headers, "X-Request-ID": "req-8"})
    client.get("/health")
    client.get("/ready")
    hide_schema(database)
    try:
        client.get("/ready")
    finally:
        restore_schema(database)
    records = [json.loads(line) for line in stdout.lines()]
    assert [(r["path"], r["status"], r["level"]) for r in records if r["message"] == "request completed"] == [
        ("/api/tasks", 200, "INFO"),
        ("/ready", 503, "WARNING"),
    ]
    request = records[0]
    assert request["request_id"] == "req-8" and isinstance(request["user_id"], int)
    assert request["timestamp"].endswith("Z") and isinstance(request["duration_ms"], float)
    assert next(r for r in records if r["path"] == "/ready")["previous_status"] == 200


@pytest.mark.parametrize("settings", [DEV, PROD], ids=["text", "json"])
def test_secrets_are_scrubbed_in_both_formats(serve, settings: dict[str, object]) -> None:  # type: ignore[no-untyped-def]
    client, stdout = serve(**settings)
    register_secret("registered-secret-value-42")
    logging.getLogger("app").warning("connecting with registered-secret-value-42 and %s", JWT_SHAPED)
    client.get(f"/api/tasks/{JWT_SHAPED}")  # a token in a path reaches the request line
    text = "\n".join(stdout.lines())
    assert "registered-secret-value-42" not in text and "eyJ" not in text
    assert text.count("[redacted]") >= 3
    assert "connecting with [redacted] and [redacted]" in text


def test_text_traceback_is_scrubbed() -> None:
    register_secret("traceback-secret-value")
    try:
        raise ValueError("failed with traceback-secret-value")
    except ValueError:
        import sys

        record = logging.LogRecord("app", logging.ERROR, __file__, 1, "oops", (), sys.exc_info())
    line = TextFormatter().format(record)
    assert "traceback-secret-value" not in line and "ValueError: failed with [redacted]" in line


def test_log_format_defaults_to_json_and_is_not_derived_from_app_env() -> None:
    assert load_settings().log_format == "json"
    assert load_settings(app_env="development").log_format == "json"
    assert load_settings(log_format=" TEXT ").log_format == "text"


def test_unknown_log_format_is_one_clear_error() -> None:
    with pytest.raises(SettingsError, match=r"LOG_FORMAT: Input should be 'json' or 'text'"):
        load_settings(log_format="yaml")
