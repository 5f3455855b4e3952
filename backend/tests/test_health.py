"""Probes: /health is process-only, /ready reflects DB reachability and schema revision."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.db.revision import MIGRATIONS_DIR
from app.main import create_app
from tests.conftest import Database, settings_for
from tests.support.ports import black_hole, closed_port

NEWER_REVISION = """
from alembic import op
import sqlalchemy as sa

revision = "0099"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("tasks", sa.Column("priority", sa.Integer(), nullable=True))


def downgrade():
    op.drop_column("tasks", "priority")
"""


def test_health_answers_without_database(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_version_reports_app_version_and_build_revision(make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client(app_version="1.2.3", build_revision="abc1234")
    assert client.get("/version").json() == {"version": "1.2.3", "build_revision": "abc1234"}


def test_version_defaults(client: TestClient) -> None:
    assert client.get("/version").json() == {"version": "0.1.0", "build_revision": "unknown"}


def test_ready_when_schema_at_head(client: TestClient) -> None:
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "revision": "0001"}


def test_ready_ok_when_database_is_newer_than_code(client: TestClient, database: Database) -> None:
    # Rolling update: a newer release migrated forward; this (older) code keeps serving.
    database.execute("UPDATE alembic_version SET version_num = 'f00dcafe9999'")
    try:
        response = client.get("/ready")
        assert response.status_code == 200
        assert response.json() == {"status": "ready", "revision": "f00dcafe9999"}
    finally:
        database.execute("UPDATE alembic_version SET version_num = '0001'")


@pytest.fixture
def newer_scripts(tmp_path: Path) -> Path:
    """A copy of the migrations plus a newer revision: code that needs a migration the DB lacks."""
    scripts = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "0099_priority.py").write_text(NEWER_REVISION)
    return scripts


def test_ready_503_when_schema_behind(database: Database, newer_scripts: Path) -> None:
    with TestClient(create_app(settings_for(database.url), migrations_dir=newer_scripts)) as client:
        response = client.get("/ready")
        assert client.get("/health").status_code == 200
    assert response.status_code == 503
    assert response.json() == {"status": "not ready", "reason": "schema behind: db=0001 needs=0099"}


def test_ready_503_when_database_never_migrated(empty_database: Database) -> None:
    with TestClient(create_app(settings_for(empty_database.url))) as client:
        response = client.get("/ready")
    assert response.status_code == 503
    assert response.json() == {"status": "not ready", "reason": "schema behind: db=none needs=0001"}


def test_ready_reports_migrating_while_this_process_migrates(database: Database, newer_scripts: Path) -> None:
    with TestClient(create_app(settings_for(database.url), migrations_dir=newer_scripts)) as client:
        client.app.state.migrator.phase = "migrating"
        response = client.get("/ready")
    assert response.status_code == 503
    assert response.json() == {"status": "not ready", "reason": "migrating"}


def test_unreachable_database_health_200_ready_503_fast() -> None:
    url = f"postgresql://todo:pw@127.0.0.1:{closed_port()}/todo"
    with TestClient(create_app(settings_for(url))) as client:
        assert client.get("/health").status_code == 200
        started = time.monotonic()
        response = client.get("/ready")
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json() == {"status": "not ready", "reason": "database unreachable"}
    assert elapsed < 2.5


def test_hung_database_ready_503_within_deadline() -> None:
    # The DB accepts TCP but never answers: /ready must not hang past its 2 s budget.
    with black_hole() as port:
        url = f"postgresql://todo:pw@127.0.0.1:{port}/todo"
        with TestClient(create_app(settings_for(url, ready_timeout_seconds=1.0))) as client:
            started = time.monotonic()
            response = client.get("/ready")
            elapsed = time.monotonic() - started
            assert client.get("/health").status_code == 200
    assert response.status_code == 503
    assert response.json()["reason"] == "database unreachable"
    assert elapsed < 2.0
