"""Dev data under `tilt up` (SQLite, the default): the backend's Seed / Snapshot / Restore buttons
pressed the way the dashboard does, `./scripts/dev data|status|down` from the same checkout, and a
restore of a snapshot older than the code's schema. One Tilt session (module scope), its own
namespace and ports; the backend only (the frontend plays no part in dev data)."""
import re

import pytest

from devdata_helpers import (add_task, api, demo_session, dev, press, ready, titles, wait_for)
from tests.support.tilt_session import NO_CHECKS, Tilt, copy_repo

RESOURCES = ["backend", "backend-liveness", "backend-readiness"]


@pytest.fixture(scope="module")
def loop(tmp_path_factory, kube_context):
    with Tilt(copy_repo(tmp_path_factory.mktemp("devdata")), kube_context).running(
            "--only=backend", NO_CHECKS, ready=RESOURCES) as tilt:
        yield tilt


def backend_pod(loop):
    return loop.kubectl("get", "pods", "-l", "app.kubernetes.io/component=backend", "-o",
                        "jsonpath={.items[*].metadata.name}").stdout.split()


@pytest.fixture(scope="module")
def seeded(loop):
    press(loop, "seed-demo-data")
    session = demo_session(loop)
    tasks = wait_for(lambda: session.get(api(loop, "/api/tasks"), timeout=10), 60, "the tasks").json()["items"]
    return session, tasks


def test_seed_gives_the_printed_login_tasks_in_every_state(loop, seeded):
    _, tasks = seeded
    assert "log in as demo@example.com / demo-password" in loop.log.read_text()
    states = {(t["done"], t["due_date"] is not None) for t in tasks}
    assert states == {(False, False), (False, True), (True, False), (True, True)}, tasks
    assert len(tasks) >= 6


def test_seeding_again_changes_nothing_and_the_cli_does_the_same(loop, seeded):
    session, tasks = seeded
    press(loop, "seed-demo-data")
    p = dev(loop, "data", "--context", loop.context, "--namespace", loop.namespace, "seed")
    assert p.returncode == 0, p.stderr
    assert "already there; tasks: 0 created, 0 reset" in p.stdout
    assert re.search(r"seed: done in [\d.]+s", p.stdout)
    assert titles(session, loop) == {t["title"] for t in tasks}


def test_snapshot_add_a_task_restore_brings_the_seeded_state_back(loop, seeded):
    session, tasks = seeded
    press(loop, "snapshot-dev-data", SNAPSHOT_NAME="seeded")
    snap = loop.workdir / ".devdata" / "snapshots" / loop.namespace / "seeded.sqlite3"
    assert snap.is_file() and snap.read_bytes()[:16] == b"SQLite format 3\x00"
    assert re.search(r"seeded\s+sqlite\s+revision", loop.log.read_text()), "the log lists the snapshots"
    added = add_task(session, loop)
    assert added in titles(session, loop)
    pods_before = backend_pod(loop)
    press(loop, "restore-dev-data", SNAPSHOT_NAME="seeded")
    assert backend_pod(loop) != pods_before, "the backend was stopped for the restore"
    ready(loop)
    after = titles(demo_session(loop), loop)
    assert added not in after and after == {t["title"] for t in tasks}


def test_cli_snapshot_and_list_see_the_same_store(loop, seeded):
    p = dev(loop, "data", "--context", loop.context, "--namespace", loop.namespace, "snapshot", "from-cli")
    assert p.returncode == 0, p.stderr
    assert re.search(r"snapshot: done in [\d.]+s", p.stdout)
    listed = dev(loop, "data", "--namespace", loop.namespace, "list").stdout
    assert listed.index("seeded") < listed.index("from-cli"), listed


def test_status_shows_the_running_loop_with_its_urls_and_the_kept_claim(loop):
    p = dev(loop, "status", "--port", str(loop.port), "--context", loop.context, "--namespace", loop.namespace)
    assert p.returncode == 0, p.stderr
    assert f"tilt: running — dashboard http://localhost:{loop.port}" in p.stdout
    backend = next(l for l in p.stdout.splitlines() if l.strip().startswith("backend "))
    assert "runtime ok" in backend and f"/ready: http://localhost:{loop.backend_port}/ready" in backend
    assert re.search(r"persistentvolumeclaim\s+todo-app-backend-data\s+claim Bound", p.stdout), p.stdout


def test_restore_of_a_snapshot_older_than_the_schema_migrates_it_forward(loop, seeded):
    assert ready(loop)["revision"] == "0001"
    press(loop, "snapshot-dev-data", SNAPSHOT_NAME="at-0001")
    versions = loop.workdir / "backend/app/migrations/versions"
    (versions / "0002_e2e_devdata.py").write_text('''"""e2e: a migration newer than the snapshot."""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("e2e_devdata", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("e2e_devdata")
''')
    # A fall_back_on file: the image itself carries the migration, so the pod the restore starts has it
    # (live-updated files live only in the container they were synced to).
    pyproject = loop.workdir / "backend/pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n# e2e: rebuild with the new migration\n")
    wait_for(lambda: ready(loop, 10)["revision"] == "0002", 420, "the backend at revision 0002")
    # The dashboard's default text: latest, i.e. at-0001.
    press(loop, "restore-dev-data", SNAPSHOT_NAME="latest")
    assert "restoring snapshot 'at-0001' (sqlite, revision 0001" in loop.log.read_text()
    body = ready(loop)
    assert body["revision"] == "0002" and body["status"] == "ready"
    session, tasks = seeded
    assert titles(demo_session(loop), loop) == {t["title"] for t in tasks}, "the restored data is there"


def test_down_removes_the_workloads_and_keeps_the_namespace_and_claim(loop):
    loop.stop()
    p = dev(loop, "down", "--context", loop.context, "--port", str(loop.port), *loop.flags("--only=backend"))
    assert p.returncode == 0, p.stdout + p.stderr
    assert "dev data is kept" in p.stdout
    assert loop.kubectl("get", "deployments", "-o", "name").stdout.split() == []
    assert "persistentvolumeclaim/todo-app-backend-data" in loop.kubectl("get", "pvc", "-o", "name").stdout
    status = dev(loop, "status", "--port", str(loop.port), "--context", loop.context, "--namespace", loop.namespace)
    assert f"tilt: not running on port {loop.port}" in status.stdout
    assert "claim Bound (dev data, kept by `down`)" in status.stdout
