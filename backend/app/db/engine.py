"""Engine and per-request session.

The engine lives on `app.state` (not a module global) so tests can run several apps against
different databases in one process.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy import Engine, create_engine, event
from sqlmodel import Session

from app.core.config import Settings
from app.db.url import sqlite_path

# Long enough for a burst of concurrent writers on SQLite, short enough to surface a stuck lock.
SQLITE_BUSY_TIMEOUT_MS = 5000


def create_db_engine(settings: Settings) -> Engine:
    url = str(settings.database_url)
    if settings.is_sqlite:
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        # FastAPI runs sync endpoints in a thread pool, so connections cross threads.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        # A connection killed by a DB restart is replaced instead of failing one request.
        pool_pre_ping=True,
        pool_timeout=10,
        connect_args={
            "connect_timeout": settings.db_connect_timeout_seconds,
            "application_name": "todo-backend",
        },
    )


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    # SQLite ignores foreign keys (and so ON DELETE CASCADE) unless asked, per connection.
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets readers (e.g. /ready) proceed while a writer holds the database.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine) as session:
        yield session
