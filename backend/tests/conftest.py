"""Shared fixtures. Every DB-touching test runs twice: on SQLite (the embedded default) and on a
private PostgreSQL cluster started for this session, each on its own temp files and ports."""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.core.config import Settings, load_settings
from app.core.logging import JsonFormatter
from app.db.engine import create_db_engine
from app.db.migrate import upgrade_to_head
from app.main import create_app
from tests.support.postgres import PostgresServer

BACKEND_DIR = Path(__file__).resolve().parents[1]
TEST_JWT_SECRET = "test-secret-" + "x" * 40
SETTINGS_ENV = [
    "DATABASE_URL", "JWT_SECRET", "COHERE_API_KEY", "COHERE_MODEL", "COHERE_BASE_URL", "COHERE_TIMEOUT_SECONDS",
    "LOG_LEVEL", "APP_ENV", "CORS_ORIGINS", "DATA_DIR", "APP_VERSION", "BUILD_REVISION", "MIGRATE_ON_START",
    "PORT", "UVICORN_RELOAD", "DB_WAIT_SECONDS", "DB_CONNECT_TIMEOUT_SECONDS", "READY_TIMEOUT_SECONDS",
    "MIGRATE_LOCK_TIMEOUT_SECONDS", "JWT_EXPIRE_MINUTES", "ARGON2_TIME_COST", "ARGON2_MEMORY_KIB",
    "FORWARDED_ALLOW_IPS", "CO_API_URL", "LOG_FORMAT",
]  # fmt: skip


@pytest.fixture(autouse=True)
def _hermetic_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's shell (APP_ENV=production, a real DATABASE_URL...) must not leak into tests.
    for name in SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        server = PostgresServer().start()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.stop()


@dataclass
class Database:
    kind: str
    url: str
    engine: Engine

    def count(self, table: str) -> int:
        with self.engine.connect() as connection:
            return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()

    def execute(self, sql: str, **params: object) -> None:
        with self.engine.begin() as connection:
            connection.execute(text(sql), params)

    def truncate(self) -> None:
        if self.kind == "postgres":
            self.execute("TRUNCATE tasks, users RESTART IDENTITY CASCADE")
        else:
            self.execute("DELETE FROM tasks")
            self.execute("DELETE FROM users")


def make_database(
    kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    name = None
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'todo.db'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        name = server.create_database()
        url = server.url(name)
    # The app's own engine factory: same SQLite pragmas (foreign keys on) as production.
    engine = create_db_engine(load_settings(database_url=url))
    yield Database(kind, url, engine)
    engine.dispose()
    if name is not None:
        request.getfixturevalue("postgres_server").drop_database(name)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def empty_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A fresh, unmigrated database per test module and backend."""
    yield from make_database(request.param, request, tmp_path_factory)


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A fresh, unmigrated database for one test."""
    yield from make_database(request.param, request, tmp_path_factory)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def migrated_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    for database in make_database(request.param, request, tmp_path_factory):
        upgrade_to_head(database.engine, lock_timeout=30)
        yield database


@pytest.fixture
def database(migrated_database: Database) -> Database:
    """The module's migrated database, emptied before each test."""
    migrated_database.truncate()
    return migrated_database


def settings_for(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "jwt_secret": TEST_JWT_SECRET,
        "migrate_on_start": False,
        # Real argon2, cheaper parameters: the suite hashes hundreds of passwords.
        "argon2_time_cost": 1,
        "argon2_memory_kib": 1024,
        "log_level": "DEBUG",
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture
def make_client(database: Database) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []

    def factory(**overrides: object) -> TestClient:
        client = TestClient(create_app(settings_for(database.url, **overrides)))
        client.__enter__()
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


@pytest.fixture
def app(client: TestClient) -> FastAPI:
    return client.app  # type: ignore[return-value]


_counter = iter(range(1, 1_000_000))


def signup(client: TestClient, email: str | None = None, password: str = "correct horse battery") -> dict[str, str]:
    """Create a user; return Authorization headers for them."""
    email = email or f"user{next(_counter)}-{os.getpid()}@example.com"
    response = client.post("/api/auth/signup", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def user(client: TestClient) -> dict[str, str]:
    return signup(client)


@pytest.fixture
def other_user(client: TestClient) -> dict[str, str]:
    return signup(client)


class LogCapture:
    def __init__(self) -> None:
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(JsonFormatter())

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def records(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]


@pytest.fixture
def logs() -> Iterator[LogCapture]:
    """Everything logged during the test, formatted exactly as production writes it."""
    capture = LogCapture()
    root = logging.getLogger()
    root.addHandler(capture.handler)
    yield capture
    root.removeHandler(capture.handler)
