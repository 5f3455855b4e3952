"""Dev data commands (scripts/devdata: the backend's buttons and `./scripts/dev data`) against a
recording kubectl and a temp snapshot store: naming, never overwriting, `latest`, the order of
stop → restore → start, and that a failed restore keeps the live data. The real runs against a
cluster are in tests/e2e/test_devdata_loop.py."""
import json
import subprocess

import pytest

from scripts.devdata import __main__ as cli
from scripts.devdata import ops, store
from scripts.devdata.target import DevDataError, Kube, Target
from scripts.project import APP_UID, BACKEND_PORT

SQLITE = Target("todo-local", "ns1", "rel", "sqlite")
POSTGRES = Target("todo-local", "ns1", "rel", "postgres")
DEPLOYMENT = {"spec": {"replicas": 1, "template": {"metadata": {"labels": {"app.kubernetes.io/component": "backend"}},
    "spec": {"securityContext": {"runAsNonRoot": True, "runAsUser": APP_UID, "seccompProfile": {"type": "RuntimeDefault"}},
             "serviceAccountName": "rel",
             "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "rel-backend-data"}}],
             "containers": [{"name": "backend", "image": "localhost:5000/todo-backend:tilt-1",
                             "env": [{"name": "DATA_DIR", "value": "/data"}],
                             "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                             "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
                             "livenessProbe": {"httpGet": {"path": "/health", "port": BACKEND_PORT}}}]}}}}


@pytest.fixture(autouse=True)
def snapshot_root(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "ROOT", tmp_path / "snapshots")
    return tmp_path / "snapshots"


class FakeKubectl:
    """Records every kubectl call; answers by the first matching needle (fails with `fail`)."""

    def __init__(self, answers=None, fail=None):
        self.calls, self.inputs = [], []
        self.answers = {"jsonpath={.spec.replicas}": "2", "get deployment/rel-backend -o json": json.dumps(DEPLOYMENT),
                        "app.devdata revision": "0001\n", "alembic_version": "0001\n", **(answers or {})}
        self.fail = fail

    def __call__(self, cmd, input=None, stdin=None, text=True, **kwargs):
        line = " ".join(cmd)
        self.calls.append(line)
        self.inputs.append(input)
        rc, out = 0, ""
        if self.fail and self.fail in line:
            rc = 1
        else:
            out = next((v for k, v in self.answers.items() if k in line), "")
        if not text:
            out = out if isinstance(out, bytes) else out.encode()
        return subprocess.CompletedProcess(cmd, rc, stdout=out, stderr="boom" if text else b"boom")

    def index(self, needle):
        return next(i for i, c in enumerate(self.calls) if needle in c)


def test_a_snapshot_is_saved_off_the_cluster_with_its_revision_and_listed(capsys, snapshot_root):
    fake = FakeKubectl({"app.devdata dump": b"SQLite format 3\x00..."})
    snap = ops.snapshot(Kube(SQLITE, run=fake), "before-bug")
    assert snap.path == snapshot_root / "ns1" / "before-bug.sqlite3"
    assert snap.path.read_bytes() == b"SQLite format 3\x00..." and snap.revision == "0001"
    assert oct(snap.path.stat().st_mode & 0o777) == "0o600", "a dump holds password hashes"
    out = capsys.readouterr().out
    assert "before-bug" in out and "revision 0001" in out and str(snapshot_root / "ns1") in out
    assert "exec deployment/rel-backend -c backend -- python -m app.devdata dump" in " ".join(fake.calls)


def test_a_postgres_snapshot_is_pg_dump_in_the_database_pod():
    fake = FakeKubectl({"pg_dump": b"PGDMP..."})
    snap = ops.snapshot(Kube(POSTGRES, run=fake), "")
    assert snap.path.suffix == ".pgdump" and snap.path.read_bytes() == b"PGDMP..."
    assert any("exec statefulset/rel-postgresql -c postgresql -- pg_dump -U todo -d todo --format=custom" in c
               for c in fake.calls)
    assert not any("scale" in c for c in fake.calls), "a snapshot never stops anything"


def test_an_existing_snapshot_name_is_never_overwritten():
    store.save("ns1", "keep", "sqlite", "0001", b"first")
    with pytest.raises(DevDataError, match="already exists"):
        store.save("ns1", "keep", "postgres", "0001", b"second")
    assert store.find("ns1", "keep", "sqlite").path.read_bytes() == b"first"


@pytest.mark.parametrize("name", ["latest", "../escape", "a b", "-x", "x" * 65])
def test_unusable_names_are_refused(name):
    with pytest.raises(DevDataError, match="not usable"):
        store.check_name(name)


def test_latest_is_the_newest_snapshot_of_the_loops_database_kind():
    for name, db in [("a", "sqlite"), ("b", "postgres"), ("c", "sqlite"), ("d", "postgres")]:
        store.save("ns1", name, db, "0001", b"x")
    assert store.find("ns1", "latest", "sqlite").name == "c"
    assert store.find("ns1", "", "postgres").name == "d"
    with pytest.raises(DevDataError, match="is a postgres dump but this loop runs sqlite"):
        store.find("ns1", "b", "sqlite")
    with pytest.raises(DevDataError, match=r"no snapshot named 'zz'.*there: a, b, c, d"):
        store.find("ns1", "zz", "sqlite")
    with pytest.raises(DevDataError, match="no sqlite snapshot of namespace other"):
        store.find("other", "latest", "sqlite")


def test_a_half_written_snapshot_is_not_listed(snapshot_root):
    store.save("ns1", "whole", "sqlite", "0001", b"x")
    (snapshot_root / "ns1" / "torn.sqlite3").write_bytes(b"x")  # no description: never finished
    (snapshot_root / "ns1" / "gone.json").write_text(json.dumps(
        {"name": "gone", "db": "sqlite", "created": "2026-01-01T00:00:00", "revision": "1", "size": 1}))
    assert [s.name for s in store.all_snapshots("ns1")] == ["whole"]


def test_sqlite_restore_stops_the_backend_swaps_the_file_in_a_side_pod_and_waits_for_ready():
    store.save("ns1", "s1", "sqlite", "0001", b"SNAPSHOT")
    fake = FakeKubectl()
    ops.restore(Kube(SQLITE, run=fake), "latest")
    down, gone = fake.index("scale deployment/rel-backend --replicas=0"), fake.index("wait --for=delete pod")
    load = fake.index("exec -i rel-backend-restore -- python -m app.devdata load")
    up, ready = fake.index("--replicas=2"), fake.index("rollout status deployment/rel-backend")
    assert fake.index("create -f -") < down < gone < load < up < ready, "the file is swapped only once it is stopped"
    assert fake.inputs[load] == b"SNAPSHOT"
    assert fake.index("delete pod rel-backend-restore --ignore-not-found --wait=false") < up


def test_the_side_pod_has_the_backends_image_settings_volume_and_security_but_not_its_labels():
    pod = ops.restore_pod(DEPLOYMENT, "rel-backend-restore")
    (c,) = pod["spec"]["containers"]
    app = DEPLOYMENT["spec"]["template"]["spec"]["containers"][0]
    assert c["image"] == app["image"] and c["env"] == app["env"] and c["volumeMounts"] == app["volumeMounts"]
    assert c["securityContext"] == app["securityContext"]
    assert pod["spec"]["securityContext"] == DEPLOYMENT["spec"]["template"]["spec"]["securityContext"]
    assert pod["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"] == "rel-backend-data"
    assert pod["metadata"]["labels"]["app.kubernetes.io/component"] != "backend", "no Service may route to it"
    assert "livenessProbe" not in c and pod["spec"]["restartPolicy"] == "Never"


def test_postgres_restore_loads_a_scratch_database_and_swaps_it_in_last():
    store.save("ns1", "p1", "postgres", "0001", b"PGDMP")
    fake = FakeKubectl()
    ops.restore(Kube(POSTGRES, run=fake), "p1")
    create = fake.index('CREATE DATABASE "todo_restore"')
    restore = fake.index("pg_restore -U todo -d todo_restore")
    swap = fake.index('DROP DATABASE "todo" WITH (FORCE)')
    assert fake.index("--replicas=0") < create < restore < swap < fake.index("--replicas=2")
    assert fake.inputs[restore] == b"PGDMP"
    assert 'ALTER DATABASE "todo_restore" RENAME TO "todo"' in fake.calls[swap]


def test_a_dump_that_fails_to_load_leaves_the_live_database_and_brings_the_backend_back():
    store.save("ns1", "p1", "postgres", "0001", b"PGDMP")
    fake = FakeKubectl(fail="pg_restore")
    with pytest.raises(DevDataError, match="pg_restore .* failed: boom"):
        ops.restore(Kube(POSTGRES, run=fake), "p1")
    assert not any('DROP DATABASE "todo" ' in c for c in fake.calls), "the live database must stay"
    assert any('DROP DATABASE IF EXISTS "todo_restore"' in c for c in fake.calls[fake.index("pg_restore"):])
    assert fake.index("--replicas=2") > fake.index("pg_restore"), "the backend must come back"


def test_cli_restore_asks_first_and_without_a_terminal_needs_yes(monkeypatch, capsys):
    store.save("ns1", "s1", "sqlite", "0001", b"x")
    monkeypatch.setattr(cli, "Kube", lambda target, run=None: Kube(target, run=FakeKubectl()))
    monkeypatch.setattr("sys.stdin", open("/dev/null"))
    rc = cli.main(["--context", "todo-local", "--namespace", "ns1", "--db", "sqlite", "restore"])
    assert rc == 1 and "pass --yes to confirm" in capsys.readouterr().err


def test_cli_takes_the_name_from_the_buttons_text_input(monkeypatch, capsys):
    store.save("ns1", "old", "sqlite", "0001", b"x")
    store.save("ns1", "wanted", "sqlite", "0001", b"y")
    store.save("ns1", "newest", "sqlite", "0001", b"z")
    fake = FakeKubectl()
    monkeypatch.setattr(cli, "Kube", lambda target, run=None: Kube(target, run=fake))
    monkeypatch.setenv("SNAPSHOT_NAME", "wanted")
    rc = cli.main(["--context", "todo-local", "--namespace", "ns1", "--release", "rel", "--db", "sqlite", "--yes",
                   "restore", "--name-from-env", "SNAPSHOT_NAME"])
    out = capsys.readouterr().out
    assert rc == 0 and "restoring snapshot 'wanted'" in out and "restore: done in" in out
    assert fake.inputs[fake.index("app.devdata load")] == b"y"
    monkeypatch.setenv("SNAPSHOT_NAME", "")  # the input's default text: latest
    assert cli.main(["--context", "todo-local", "--namespace", "ns1", "--release", "rel", "--db", "sqlite", "--yes",
                     "restore", "--name-from-env", "SNAPSHOT_NAME"]) == 0
    assert "restoring snapshot 'newest'" in capsys.readouterr().out


def test_cli_detects_postgres_from_its_statefulset(monkeypatch, capsys):
    fake = FakeKubectl({"get statefulset rel-postgresql --ignore-not-found": "statefulset.apps/rel-postgresql\n",
                        "pg_dump": b"PGDMP"})
    monkeypatch.setattr(cli, "Kube", lambda target, run=None: Kube(target, run=fake))
    assert cli.main(["--context", "todo-local", "--namespace", "ns1", "--release", "rel", "snapshot", "x"]) == 0
    assert "(postgres)" in capsys.readouterr().out and store.find("ns1", "x", "postgres")


def test_cli_refuses_a_context_that_is_not_a_dev_cluster(capsys):
    assert cli.main(["--context", "prod-eu", "seed"]) == 1
    assert "prod-eu" in capsys.readouterr().err


def test_cli_list_needs_no_cluster(capsys):
    store.save("todo-app", "one", "sqlite", "0002", b"x" * 4096)
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "one" in out and "revision 0002" in out and "4 KiB" in out
