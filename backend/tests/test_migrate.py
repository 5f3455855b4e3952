"""`python -m app.db.migrate` and the migration lock: bounded waiting, idempotence, exactly one
migrator at a time, migrations matching the models."""

from __future__ import annotations

import fcntl
import threading
import time
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from app.db.migrate import (
    ADVISORY_LOCK_ID,
    DatabaseUnavailable,
    MigrationLockTimeout,
    Stopped,
    alembic_config,
    upgrade_to_head,
    wait_for_database,
)
from app.models import metadata
from tests.conftest import Database
from tests.support.ports import closed_port
from tests.support.processes import Migrator, json_lines, run_migrate


def messages(output: str) -> list[str]:
    return [str(record["message"]) for record in json_lines(output)]


def tables(database: Database) -> set[str]:
    return set(inspect(database.engine).get_table_names())


def test_cli_migrates_to_head_then_is_a_no_op(fresh_database: Database) -> None:
    first = run_migrate(DATABASE_URL=fresh_database.url)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "migrations applied: empty -> 0001" in messages(first.stdout)
    assert {"users", "tasks", "alembic_version"} <= tables(fresh_database)

    second = run_migrate(DATABASE_URL=fresh_database.url)
    assert second.returncode == 0
    assert "database already at head 0001; nothing to migrate" in messages(second.stdout)


def test_cli_fails_clearly_when_the_database_stays_down() -> None:
    url = f"postgresql://todo:hunter2-secret@127.0.0.1:{closed_port()}/todo"
    started = time.monotonic()
    result = run_migrate("--wait", "1", DATABASE_URL=url)
    assert result.returncode == 1
    assert time.monotonic() - started < 10
    [failure] = [r for r in json_lines(result.stdout) if r["level"] == "CRITICAL"]
    assert "not reachable after 1 s" in str(failure["message"])
    assert "check DATABASE_URL" in str(failure["message"])
    assert "hunter2-secret" not in result.stdout + result.stderr


def test_cli_refuses_bad_configuration(tmp_path: Path) -> None:
    result = run_migrate(APP_ENV="production", JWT_SECRET="too-short", DATA_DIR=str(tmp_path))
    assert result.returncode == 2
    assert "JWT_SECRET is only 9 characters" in result.stdout
    assert "too-short" not in result.stdout


def _assert_exactly_one_migrated(outputs: list[str]) -> None:
    applied = [out for out in outputs if "migrations applied: empty -> 0001" in messages(out)]
    skipped = [out for out in outputs if "database already at head 0001; nothing to migrate" in messages(out)]
    assert len(applied) == 1 and len(skipped) == 1, outputs


def test_two_concurrent_migrators_on_postgres(postgres_server) -> None:  # type: ignore[no-untyped-def]
    name = postgres_server.create_database("race")
    url = postgres_server.url(name)
    migrators = [Migrator(DATABASE_URL=url) for _ in range(2)]
    assert [m.finish() for m in migrators] == [0, 0], [m.output for m in migrators]
    _assert_exactly_one_migrated([m.output for m in migrators])
    postgres_server.drop_database(name)


def test_migrators_wait_for_the_postgres_advisory_lock(postgres_server) -> None:  # type: ignore[no-untyped-def]
    # Hold the lock ourselves: both migrators must wait (nothing migrated) until it is freed,
    # then exactly one migrates and the other finds the work done.
    import psycopg

    name = postgres_server.create_database("locked")
    url = postgres_server.url(name)
    with psycopg.connect(postgres_server.url(name, scheme="postgresql"), autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK_ID,))
        migrators = [Migrator(DATABASE_URL=url) for _ in range(2)]
        for migrator in migrators:
            migrator.wait_for_message("another instance is migrating", timeout=30)
        time.sleep(0.5)  # a lock that did not hold would have let one through by now
        assert [m.process.poll() for m in migrators] == [None, None]
        exists = holder.execute("SELECT to_regclass('public.alembic_version') IS NOT NULL").fetchone()
        assert exists == (False,)
        holder.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK_ID,))
        assert [m.finish() for m in migrators] == [0, 0]
    _assert_exactly_one_migrated([m.output for m in migrators])
    postgres_server.drop_database(name)


def test_migrators_wait_for_the_sqlite_lock_file(tmp_path: Path) -> None:
    db_file = tmp_path / "todo.db"
    url = f"sqlite:///{db_file}"
    with open(tmp_path / "todo.db.migrate.lock", "a+") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        migrators = [Migrator(DATABASE_URL=url) for _ in range(2)]
        for migrator in migrators:
            migrator.wait_for_message("another instance is migrating", timeout=30)
        time.sleep(0.5)
        assert [m.process.poll() for m in migrators] == [None, None]
        assert not db_file.exists() or "alembic_version" not in db_file.read_bytes().decode("latin-1")
        fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
        assert [m.finish() for m in migrators] == [0, 0]
    _assert_exactly_one_migrated([m.output for m in migrators])


def test_lock_wait_is_bounded(fresh_database: Database, tmp_path: Path) -> None:
    release = threading.Event()
    held = threading.Event()

    def hold() -> None:
        from app.db.migrate import migration_lock

        with migration_lock(fresh_database.engine, timeout=5):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(5)
    try:
        with pytest.raises(MigrationLockTimeout, match=r"could not take the migration .* within 1 s"):
            upgrade_to_head(fresh_database.engine, lock_timeout=1)
    finally:
        release.set()
        holder.join()


def test_wait_for_database_gives_up_with_a_clear_message() -> None:
    from app.core.config import load_settings
    from app.db.engine import create_db_engine

    engine = create_db_engine(load_settings(database_url=f"postgresql://u:pw-xyz-123@127.0.0.1:{closed_port()}/db"))
    with pytest.raises(DatabaseUnavailable) as error:
        wait_for_database(engine, timeout=0.6)
    assert "not reachable after 0.6 s" in str(error.value) and "pw-xyz-123" not in str(error.value)
    stop = threading.Event()
    stop.set()
    with pytest.raises(Stopped):
        wait_for_database(engine, timeout=30, stop=stop)


def test_unknown_newer_revision_is_left_alone(fresh_database: Database, logs) -> None:  # type: ignore[no-untyped-def]
    upgrade_to_head(fresh_database.engine, lock_timeout=5)
    fresh_database.execute("UPDATE alembic_version SET version_num = 'abcdef999999'")
    result = upgrade_to_head(fresh_database.engine, lock_timeout=5)
    assert not result.applied and result.after == "abcdef999999"
    assert any("does not know" in r["message"] for r in logs.records())


def test_migrations_match_the_models(fresh_database: Database) -> None:
    upgrade_to_head(fresh_database.engine, lock_timeout=5)
    with fresh_database.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata)
    assert diff == []


def test_downgrade_and_upgrade_again(fresh_database: Database) -> None:
    from alembic import command

    upgrade_to_head(fresh_database.engine, lock_timeout=5)
    with fresh_database.engine.connect() as connection:
        command.downgrade(alembic_config(connection), "base")
        connection.commit()
    assert tables(fresh_database) <= {"alembic_version"}
    assert upgrade_to_head(fresh_database.engine, lock_timeout=5).applied
    with fresh_database.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0001"


def test_alembic_cli_for_developers(tmp_path: Path) -> None:
    # The documented developer workflow: alembic.ini + env.py read DATABASE_URL from the
    # settings; `alembic check` proves the committed migrations match the models.
    import subprocess
    import sys

    from tests.support.processes import BACKEND_DIR, process_env

    env = process_env(DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}")
    for args in (["upgrade", "head"], ["check"], ["current"]):
        result = subprocess.run(
            [sys.executable, "-m", "alembic", *args],
            cwd=BACKEND_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    assert "0001" in result.stdout
    offline = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head", "--sql"],
        cwd=BACKEND_DIR, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert offline.returncode == 0 and "CREATE TABLE tasks" in offline.stdout
