"""Dev data under `tilt up -- --db=postgres`: seed, snapshot (pg_dump), restore (pg_restore into a
scratch database swapped in) and Reset emptying PostgreSQL's own claim, not only the backend's.
The cluster suite's PostgreSQL dev loop (`pg_loop`, shared with tests/reliability), in its own namespace."""
import re

import pytest

from devdata_helpers import add_task, demo_session, press, ready, titles


@pytest.fixture(scope="module")
def loop(pg_loop):
    """The cluster suite's PostgreSQL dev loop (tests/conftest.py): `tilt up -- --db=postgres`."""
    return pg_loop


def psql(loop, sql):
    return loop.kubectl("exec", "statefulset/todo-app-postgresql", "-c", "postgresql", "--", "psql", "-X", "-At",
                        "-U", "todo", "-d", "todo", "-c", sql).stdout.strip()


def claim_uid(loop, name):
    return loop.kubectl("get", "pvc", name, "-o", "jsonpath={.metadata.uid}").stdout


@pytest.fixture(scope="module")
def seeded(loop):
    press(loop, "seed-demo-data")
    session = demo_session(loop)
    return session, titles(session, loop)


def test_seeded_tasks_are_in_postgres_and_visible_with_the_demo_login(loop, seeded):
    _, seeded_titles = seeded
    assert len(seeded_titles) >= 6
    assert psql(loop, "SELECT count(*) FROM users WHERE email = 'demo@example.com'") == "1"


def test_snapshot_add_restore_with_pg_dump(loop, seeded):
    session, seeded_titles = seeded
    press(loop, "snapshot-dev-data", SNAPSHOT_NAME="pg-seeded")
    snap = loop.workdir / ".devdata" / "snapshots" / loop.namespace / "pg-seeded.pgdump"
    assert snap.read_bytes()[:5] == b"PGDMP", "pg_dump's custom format"
    added = add_task(session, loop)
    press(loop, "restore-dev-data", SNAPSHOT_NAME="pg-seeded")
    ready(loop)
    after = titles(demo_session(loop), loop)
    assert added not in after and after == seeded_titles
    assert psql(loop, "SELECT datname FROM pg_database WHERE datname LIKE 'todo%' ORDER BY 1") == "todo", \
        "no scratch database left behind"


def test_reset_empties_the_postgres_data_too(loop, seeded):
    pg_claim = claim_uid(loop, "data-todo-app-postgresql-0")
    press(loop, "reset-dev-data")
    assert re.search(r"dev data reset: .*data-todo-app-postgresql-0 \(PostgreSQL\) recreated empty",
                     loop.log.read_text())
    assert claim_uid(loop, "data-todo-app-postgresql-0") not in ("", pg_claim), "a new, empty database volume"
    assert ready(loop)["status"] == "ready"  # migrated again, on the empty database
    assert psql(loop, "SELECT count(*) FROM users") == "0"
    assert psql(loop, "SELECT count(*) FROM tasks") == "0"
