"""`python -m app` as a real process: probes while the DB is down, JSON logs, graceful SIGTERM."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.ports import black_hole, closed_port, free_port
from tests.support.processes import Server, process_env

pytestmark = pytest.mark.slow


def assert_graceful_exit(server: Server) -> None:
    # uvicorn finishes the graceful shutdown, then re-raises SIGTERM with the default handler
    # so the exit status says "terminated by SIGTERM" (143 in a shell); our lifespan shutdown
    # ran before that.
    assert server.process.returncode in (0, -15)
    messages = [r["message"] for r in server.records()]
    assert "shutdown complete" in messages
    assert any(str(m).startswith("Finished server process") for m in messages)


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.kill()


def test_health_is_up_at_once_while_the_database_is_down(servers: list[Server]) -> None:
    url = f"postgresql://todo:hunter2-pw@127.0.0.1:{closed_port()}/todo"
    server = Server(free_port(), DATABASE_URL=url, JWT_SECRET="j" * 40)
    servers.append(server)
    # ~1 s on an idle machine; 5 s leaves room for a loaded CI box.
    assert server.wait_for("/health", 200, timeout=5) < 5
    started = time.monotonic()
    response = server.get("/ready")
    assert time.monotonic() - started < 2.5
    assert response.status_code == 503
    assert response.json() == {"status": "not ready", "reason": "database unreachable"}
    assert server.terminate() < 10
    assert_graceful_exit(server)

    records = server.records()  # every line of output is a JSON object
    assert any(r["logger"] == "uvicorn.error" for r in records)  # uvicorn's own logs are JSON too
    assert not any(r["logger"] == "uvicorn.access" for r in records)
    assert "hunter2-pw" not in "\n".join(server.lines)


def test_sigterm_lets_an_in_flight_request_finish_then_exits(servers: list[Server]) -> None:
    # A hung database makes /ready a slow (2 s) request; SIGTERM arrives while it is in flight.
    with black_hole() as db_port:
        server = Server(
            free_port(),
            DATABASE_URL=f"postgresql://todo:pw@127.0.0.1:{db_port}/todo",
            READY_TIMEOUT_SECONDS="2",
            MIGRATE_ON_START="false",
        )
        servers.append(server)
        server.wait_for("/health", 200, timeout=10)
        result: dict[str, object] = {}

        def slow_request() -> None:
            try:
                result["response"] = httpx.get(server.base_url + "/ready", timeout=15)
            except httpx.HTTPError as exc:
                result["error"] = exc

        client = threading.Thread(target=slow_request)
        client.start()
        time.sleep(0.5)
        exit_seconds = server.terminate()
        client.join(timeout=15)
    assert exit_seconds < 10
    assert_graceful_exit(server)
    response = result.get("response")
    assert isinstance(response, httpx.Response), result
    assert response.status_code == 503 and response.json()["reason"] == "database unreachable"


def test_sqlite_default_becomes_ready_and_serves_the_api(servers: list[Server], tmp_path: Path) -> None:
    server = Server(free_port(), DATA_DIR=str(tmp_path / "data"), JWT_SECRET="j" * 40, BUILD_REVISION="abc123")
    servers.append(server)
    server.wait_for("/ready", 200, timeout=30)
    assert (tmp_path / "data" / "todo.db").exists()
    assert server.get("/version").json()["build_revision"] == "abc123"
    signup = httpx.post(
        server.base_url + "/api/auth/signup",
        json={"email": "proc@example.com", "password": "long enough pw"},
        headers={"X-Request-ID": "proc-req-1"},
        timeout=10,
    )
    assert signup.status_code == 201 and signup.headers["X-Request-ID"] == "proc-req-1"
    assert server.terminate() < 10
    line = next(
        r for r in server.records() if r.get("request_id") == "proc-req-1" and r["message"] == "request completed"
    )
    assert (line["method"], line["path"], line["status"]) == ("POST", "/api/auth/signup", 201)
    assert "long enough pw" not in "\n".join(server.lines)


def test_production_with_short_secret_refuses_to_start(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.support.processes import BACKEND_DIR

    result = subprocess.run(
        [sys.executable, "-m", "app"],
        cwd=BACKEND_DIR,
        env=process_env(APP_ENV="production", JWT_SECRET="tiny-secret", DATA_DIR=str(tmp_path), PORT=str(free_port())),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "JWT_SECRET is only 11 characters; APP_ENV=production needs at least 32" in result.stdout
    assert "tiny-secret" not in result.stdout + result.stderr


def test_reload_mode_serves_and_stops(servers: list[Server], tmp_path: Path) -> None:
    server = Server(free_port(), DATA_DIR=str(tmp_path), UVICORN_RELOAD="true", MIGRATE_ON_START="false")
    servers.append(server)
    server.wait_for("/health", 200, timeout=20)
    assert server.terminate() < 10


def test_dev_loop_settings_log_readable_lines_without_probe_noise(servers: list[Server], tmp_path: Path) -> None:
    # What values-dev.yaml runs: the reloading dev server, DEBUG, LOG_FORMAT=text.
    secret = "dev-loop-secret-" + "s" * 30
    server = Server(
        free_port(),
        DATA_DIR=str(tmp_path),
        UVICORN_RELOAD="true",
        LOG_LEVEL="debug",
        LOG_FORMAT="text",
        JWT_SECRET=secret,
    )
    servers.append(server)
    server.wait_for("/ready", 200, timeout=30)
    for _ in range(3):
        assert server.get("/health").status_code == 200 and server.get("/ready").status_code == 200
    signup = httpx.post(
        server.base_url + "/api/auth/signup",
        json={"email": "text@example.com", "password": "long enough pw"},
        headers={"X-Request-ID": "proc-text-1"},
        timeout=10,
    )
    assert signup.status_code == 201
    assert server.terminate() < 10

    lines = [line for line in server.lines if line.strip()]
    assert lines and not [line for line in lines if line.lstrip().startswith("{")]
    [request] = [line for line in lines if "request_id=proc-text-1" in line and "request completed" in line]
    assert " INFO    app.request  request completed POST /api/auth/signup status=201 " in request
    assert not [line for line in lines if " GET /health " in line]
    # A /ready line only for a change of answer (503 while migrating -> 200), never a repeat.
    assert not [line for line in lines if " GET /ready status=200 " in line and "(was " not in line]
    assert any(" INFO    uvicorn.error  " in line for line in lines)  # uvicorn's own lines are readable too
    assert secret not in "\n".join(lines)
