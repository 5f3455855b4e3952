"""MIGRATE_ON_START: the server migrates in the background while /health already answers."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from fastapi.testclient import TestClient

from app.db.revision import MIGRATIONS_DIR
from app.main import create_app
from tests.conftest import settings_for
from tests.support.ports import closed_port

BROKEN_REVISION = """
revision = "0099"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    raise RuntimeError("this migration is broken")


def downgrade():
    pass
"""


def wait_ready(client: TestClient, timeout: float = 20) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = client.get("/ready")
        if response.status_code == 200:
            return response.json()
        time.sleep(0.05)
    raise AssertionError(f"never ready: {response.json()}")


def test_fresh_database_is_migrated_in_the_background(fresh_database) -> None:  # type: ignore[no-untyped-def]
    with TestClient(create_app(settings_for(fresh_database.url, migrate_on_start=True))) as client:
        assert client.get("/health").status_code == 200
        assert wait_ready(client) == {"status": "ready", "revision": "0001"}
        assert client.app.state.migrator.phase == "done"
    assert client.app.state.migrator.phase == "done"


def test_unreachable_database_keeps_retrying_and_shutdown_is_prompt(logs) -> None:  # type: ignore[no-untyped-def]
    url = f"postgresql://u:p@127.0.0.1:{closed_port()}/db"
    app = create_app(settings_for(url, migrate_on_start=True, db_wait_seconds=0.3))
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
        assert client.get("/ready").json()["reason"] == "database unreachable"
        deadline = time.monotonic() + 10
        while not any("start-up migration failed" in r["message"] for r in logs.records()):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        stopping = time.monotonic()
    assert time.monotonic() - stopping < 2.5
    assert app.state.migrator.phase == "stopped"


def test_failing_migration_leaves_the_pod_unready_with_a_reason(fresh_database, tmp_path: Path, logs) -> None:  # type: ignore[no-untyped-def]
    scripts = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "0099_broken.py").write_text(BROKEN_REVISION)
    app = create_app(settings_for(fresh_database.url, migrate_on_start=True), migrations_dir=scripts)
    with TestClient(app) as client:
        deadline = time.monotonic() + 15
        while app.state.migrator.phase != "failed":
            assert time.monotonic() < deadline, app.state.migrator.phase
            time.sleep(0.05)
        response = client.get("/ready")
        assert response.status_code == 503
        assert response.json()["reason"].startswith("schema behind: db=")
        assert client.get("/health").status_code == 200
    failure = next(r for r in logs.records() if "start-up migration failed" in r["message"])
    assert "this migration is broken" in failure["message"] and failure["level"] == "ERROR"
