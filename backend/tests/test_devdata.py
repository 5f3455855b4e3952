"""Dev data helpers behind the dev loop's Seed / Snapshot / Restore buttons (`python -m app.devdata`):
the seeded login works through the API, seeding is idempotent, a SQLite snapshot round-trips and a
bad one is refused without touching the database."""

from __future__ import annotations

import io
import sqlite3
import types
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.core.security import Passwords
from app.db.migrate import upgrade_to_head
from app.db.revision import code_head, script_directory
from app.devdata import __main__ as cli
from app.devdata import seed, sqlite_file
from tests.conftest import Database, settings_for

FAST = Passwords(time_cost=1, memory_kib=1024)


def login(client: TestClient, password: str = seed.DEMO_PASSWORD) -> dict[str, str]:
    response = client.post("/api/auth/login", json={"email": seed.DEMO_EMAIL, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def demo_tasks(client: TestClient) -> dict[str, dict[str, object]]:
    items = client.get("/api/tasks", headers=login(client)).json()["items"]
    return {t["title"]: t for t in items}


def test_seed_gives_the_printed_login_a_task_in_every_state(database: Database, client: TestClient) -> None:
    today = date.today()
    with Session(database.engine) as session:
        result = seed.seed(session, FAST, today)
    assert result == seed.SeedResult(user_created=True, created=len(seed.DEMO_TASKS), updated=0, unchanged=0)
    tasks = demo_tasks(client)
    assert set(tasks) == {t.title for t in seed.DEMO_TASKS}
    states = {(t["done"], t["due_date"] is None) for t in tasks.values()}
    assert states == {(False, True), (False, False), (True, True), (True, False)}
    assert tasks["Renew the passport"]["due_date"] == str(today - timedelta(days=3))  # overdue
    assert tasks["Call the plumber"]["due_date"] == str(today)


def test_seeding_again_restores_the_seeded_state_and_keeps_the_users_own_tasks(
    database: Database, client: TestClient
) -> None:
    with Session(database.engine) as session:
        seed.seed(session, FAST, date.today())
    headers = login(client)
    plumber = demo_tasks(client)["Call the plumber"]
    assert client.patch(f"/api/tasks/{plumber['id']}", json={"done": True}, headers=headers).status_code == 200
    assert client.post("/api/tasks", json={"title": "my own"}, headers=headers).status_code == 201
    with Session(database.engine) as session:
        again = seed.seed(session, FAST, date.today())
    assert again == seed.SeedResult(user_created=False, created=0, updated=1, unchanged=len(seed.DEMO_TASKS) - 1)
    tasks = demo_tasks(client)
    assert tasks["Call the plumber"]["done"] is False and "my own" in tasks
    assert database.count("users") == 1 and database.count("tasks") == len(seed.DEMO_TASKS) + 1


def test_seed_makes_the_printed_password_work_again(database: Database, client: TestClient) -> None:
    with Session(database.engine) as session:
        seed.seed(session, FAST, date.today())
    database.execute("UPDATE users SET password_hash = :h", h=FAST.hash("something else"))
    with Session(database.engine) as session:
        seed.seed(session, FAST, date.today())
    login(client)


def run_cli(
    monkeypatch: pytest.MonkeyPatch, url: str, *args: str, stdin: bytes = b"", **env: str
) -> tuple[int, str, str, bytes]:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ARGON2_TIME_COST", "1")
    monkeypatch.setenv("ARGON2_MEMORY_KIB", "1024")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    out, err, raw_out = io.StringIO(), io.StringIO(), io.BytesIO()
    out.buffer = raw_out  # type: ignore[attr-defined]
    monkeypatch.setattr(cli.sys, "stdout", out)
    monkeypatch.setattr(cli.sys, "stderr", err)
    monkeypatch.setattr(cli.sys, "stdin", types.SimpleNamespace(buffer=io.BytesIO(stdin)))
    rc = cli.main(list(args))
    return rc, out.getvalue(), err.getvalue(), raw_out.getvalue()


def test_cli_seed_prints_the_login(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    rc, out, err, _ = run_cli(monkeypatch, database.url, "seed")
    assert rc == 0, err
    assert f"log in as {seed.DEMO_EMAIL} / {seed.DEMO_PASSWORD}" in out
    assert f"{len(seed.DEMO_TASKS)} created" in out


def test_cli_seed_refuses_production(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    rc, _, err, _ = run_cli(monkeypatch, database.url, "seed", APP_ENV="production", JWT_SECRET="p" * 40)
    assert rc == 1 and "APP_ENV=production" in err
    assert database.count("users") == 0


def test_cli_seed_waits_for_the_migration(fresh_database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    rc, _, err, _ = run_cli(monkeypatch, fresh_database.url, "seed")
    assert rc == 1 and "not migrated yet" in err and "/ready" in err


def test_cli_revision_prints_the_database_revision(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    rc, out, _, _ = run_cli(monkeypatch, database.url, "revision")
    assert rc == 0 and out.strip() == code_head(script_directory())


@pytest.mark.parametrize("command", ["dump", "load"])
def test_cli_sqlite_copy_of_postgres_is_refused_naming_pg_dump(monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    # Refused from the settings alone, before any connection (the port is closed on purpose).
    rc, _, err, raw = run_cli(monkeypatch, "postgresql://todo:pw@127.0.0.1:1/todo", command, stdin=b"x")
    assert rc == 1 and "pg_dump" in err and raw == b""


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Database:
    from app.db.engine import create_db_engine

    url = f"sqlite:///{tmp_path / 'todo.db'}"
    engine = create_db_engine(settings_for(url))
    upgrade_to_head(engine, lock_timeout=10)
    return Database("sqlite", url, engine)


def test_sqlite_snapshot_round_trips_through_the_cli(sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    run_cli(monkeypatch, sqlite_db.url, "seed")
    rc, _, err, snapshot = run_cli(monkeypatch, sqlite_db.url, "dump")
    assert rc == 0, err
    assert snapshot[18:20] == b"\x01\x01", "one self-contained file (rollback journal, not WAL)"
    sqlite_db.execute(
        "INSERT INTO tasks (owner_id, title, done, created_at, updated_at) "
        "SELECT id, 'added after', false, created_at, created_at FROM users"
    )
    sqlite_db.engine.dispose()  # the backend is stopped during a restore
    rc, out, err, _ = run_cli(monkeypatch, sqlite_db.url, "load", stdin=snapshot)
    assert rc == 0 and "todo.db replaced from the snapshot" in out, err
    assert sqlite_db.count("tasks") == len(seed.DEMO_TASKS)
    db_file = Path(sqlite_db.url.removeprefix("sqlite:///"))
    assert not list(db_file.parent.glob(".todo.db.*")), "no temp file left on the volume"


@pytest.mark.parametrize("bad", [b"not a database at all" * 100, b""])
def test_a_bad_snapshot_is_refused_and_the_database_kept(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch, bad: bytes
) -> None:
    run_cli(monkeypatch, sqlite_db.url, "seed")
    sqlite_db.engine.dispose()
    rc, _, err, _ = run_cli(monkeypatch, sqlite_db.url, "load", stdin=bad)
    assert rc == 1 and "nothing was changed" in err
    assert sqlite_db.count("users") == 1


def test_a_sqlite_file_of_another_app_is_refused(sqlite_db: Database, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE notes (x)")
    db_file = Path(sqlite_db.url.removeprefix("sqlite:///"))
    with pytest.raises(sqlite_file.SnapshotRefused, match="alembic_version"):
        sqlite_file.load(db_file, other.read_bytes())
    assert sqlite_db.count("tasks") == 0


def test_dump_before_the_first_start_says_so(tmp_path: Path) -> None:
    with pytest.raises(sqlite_file.SnapshotRefused, match="no database"):
        sqlite_file.dump(tmp_path / "todo.db")
