"""`python -m app.db.migrate`: wait for the database (bounded), then upgrade it to head.

Several replicas may start at once; only one may migrate. Each migrator takes a database-wide
lock first (Postgres: an advisory lock; SQLite: an flock on a file next to the database), then
re-reads the revision under the lock, so the losers find the work already done and return.
The same functions run in the server's background start-up task (MIGRATE_ON_START).
"""

from __future__ import annotations

import argparse
import fcntl
import logging
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, text

from app.core.config import SettingsError, load_settings
from app.core.logging import configure_logging
from app.db.revision import MIGRATIONS_DIR, code_head, compare, db_revisions, script_directory
from app.db.url import redact, sqlite_path

logger = logging.getLogger("app.db.migrate")

# Arbitrary but fixed: every replica of this app must ask for the same advisory lock id.
ADVISORY_LOCK_ID = 0x746F646F6D6967  # "todomig" in ASCII
POLL_SECONDS = 0.5


class DatabaseUnavailable(RuntimeError):
    pass


class MigrationLockTimeout(RuntimeError):
    pass


class Stopped(Exception):
    """The server is shutting down; abandon waiting."""


@dataclass(frozen=True)
class MigrationResult:
    before: str | None
    after: str | None
    applied: bool


def wait_for_database(engine: Engine, timeout: float, stop: threading.Event | None = None) -> None:
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return
        except Exception as exc:  # driver errors differ per database; all mean "not yet"
            last_error = exc
        if time.monotonic() >= deadline:
            raise DatabaseUnavailable(
                f"database {redact(str(engine.url))} not reachable after {timeout:g} s "
                f"({_first_line(last_error)}); check DATABASE_URL and that the database server is running"
            )
        if stop is not None and stop.wait(POLL_SECONDS):
            raise Stopped
        if stop is None:
            time.sleep(POLL_SECONDS)


def _first_line(error: Exception | None) -> str:
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else ''}"


def alembic_config(connection: Connection | None = None, script_location: Path = MIGRATIONS_DIR) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    # env.py uses this connection, so migrations run inside the lock we hold on it.
    config.attributes["connection"] = connection
    return config


@contextmanager
def migration_lock(engine: Engine, timeout: float, stop: threading.Event | None = None) -> Iterator[Connection]:
    """Hold the cluster-wide migration lock; yields the connection to migrate with."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            _poll(
                lambda: connection.execute(text("SELECT pg_try_advisory_lock(:id)"), {"id": ADVISORY_LOCK_ID}).scalar(),
                timeout,
                stop,
                "advisory lock",
            )
            connection.commit()  # leave no transaction open; the advisory lock is session-level
            try:
                yield connection
            finally:
                connection.rollback()  # a failed migration may have left the transaction aborted
                connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": ADVISORY_LOCK_ID})
                connection.commit()
        return
    db_file = sqlite_path(str(engine.url))
    if db_file is None:  # in-memory SQLite: one process by definition
        with engine.connect() as connection:
            yield connection
        return
    db_file.parent.mkdir(parents=True, exist_ok=True)
    with open(db_file.with_name(db_file.name + ".migrate.lock"), "a+") as lock_file:
        _poll(lambda: _try_flock(lock_file.fileno()), timeout, stop, f"lock file {lock_file.name}")
        try:
            with engine.connect() as connection:
                yield connection
        finally:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _poll(try_lock, timeout: float, stop: threading.Event | None, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    waiting_logged = False
    while not try_lock():
        if not waiting_logged:
            logger.info("another instance is migrating; waiting for the %s", what)
            waiting_logged = True
        if time.monotonic() >= deadline:
            raise MigrationLockTimeout(
                f"could not take the migration {what} within {timeout:g} s; another migrator may be stuck "
                "(raise MIGRATE_LOCK_TIMEOUT_SECONDS or stop it)"
            )
        if stop is not None and stop.wait(POLL_SECONDS):
            raise Stopped
        if stop is None:
            time.sleep(POLL_SECONDS)


def upgrade_to_head(
    engine: Engine,
    lock_timeout: float,
    stop: threading.Event | None = None,
    script_location: Path = MIGRATIONS_DIR,
) -> MigrationResult:
    script = script_directory(str(script_location))
    head = code_head(script)
    with migration_lock(engine, lock_timeout, stop) as connection:
        # Read under the lock: a replica that waited finds the winner's work and does nothing.
        state = compare(db_revisions(connection), script)
        connection.commit()
        if state.ok:
            if state.unknown:
                logger.warning(
                    "database is at revision %s, which this code does not know (a newer release "
                    "migrated it); leaving it alone",
                    state.db_revision,
                )
            else:
                logger.info("database already at head %s; nothing to migrate", head)
            return MigrationResult(before=state.db_revision, after=state.db_revision, applied=False)
        logger.info("migrating database from %s to %s", state.db_revision or "empty", head)
        command.upgrade(alembic_config(connection, script_location), "head")
        connection.commit()
        logger.info("migrations applied: %s -> %s", state.db_revision or "empty", head)
        return MigrationResult(before=state.db_revision, after=head, applied=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.db.migrate", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--wait", type=float, default=None, help="seconds to wait for the database (default DB_WAIT_SECONDS)"
    )
    args = parser.parse_args(argv)
    configure_logging()
    try:
        settings = load_settings()
    except SettingsError as exc:
        logger.critical("%s", exc)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    from app.db.engine import create_db_engine  # imported late: settings errors should not need a DB driver

    engine = create_db_engine(settings)
    try:
        wait_for_database(engine, args.wait if args.wait is not None else settings.db_wait_seconds)
        upgrade_to_head(engine, settings.migrate_lock_timeout_seconds)
    except (DatabaseUnavailable, MigrationLockTimeout) as exc:
        logger.critical("%s", exc)
        return 1
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
