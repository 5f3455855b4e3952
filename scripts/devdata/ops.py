"""Seed, snapshot and restore the loop's database (SQLite on the backend's claim, or the in-cluster
PostgreSQL), through the app's own code in its pod and the database's own tools.

Why in the pods rather than over HTTP: it needs only the kube context (no port-forward, so the CLI
works while Tilt is not running), the app's models and password hashing stay the one definition
of a user and a task, and a seed runs as one idempotent pass instead of a dozen API calls.
"""
from __future__ import annotations

import json

from scripts.tilt.secrets import POSTGRES_DB, POSTGRES_USER

from . import store
from .target import DevDataError, Kube, psql_args

DEVDATA = ["python", "-m", "app.devdata"]
RESTORE_DB = f"{POSTGRES_DB}_restore"  # a restore loads here first; the live database is swapped last


def _backend_exec(kube: Kube, *args: str, **kw):
    return kube("exec", f"deployment/{kube.target.backend}", "-c", "backend", "--", *args, **kw)


def _postgres_exec(kube: Kube, *args: str, **kw):
    stdin = ["-i"] if kw.get("stdin") is not None else []
    return kube("exec", *stdin, f"statefulset/{kube.target.postgres}", "-c", "postgresql", "--", *args, **kw)


def seed(kube: Kube) -> None:
    print(_backend_exec(kube, *DEVDATA, "seed").rstrip(), flush=True)


def revision(kube: Kube) -> str:
    """The schema revision the database is at ('none' before the first migration)."""
    if kube.target.db == "postgres":
        proc = _postgres_exec(kube, *psql_args("SELECT version_num FROM alembic_version"), "-At", check=False,
                              quiet=True)
        return ",".join(proc.stdout.split()) if proc.returncode == 0 and proc.stdout.strip() else "none"
    return _backend_exec(kube, *DEVDATA, "revision", quiet=True).strip()


def snapshot(kube: Kube, name: str) -> store.Snapshot:
    t = kube.target
    name = store.check_name(name or store.default_name())
    rev = revision(kube)
    if t.db == "postgres":
        # pg_dump reads one consistent MVCC snapshot: the backend keeps running.
        data = _postgres_exec(kube, "pg_dump", "-U", POSTGRES_USER, "-d", POSTGRES_DB, "--format=custom",
                              binary=True)
    else:
        # SQLite's online backup API in the backend's pod: consistent while the app writes.
        data = _backend_exec(kube, *DEVDATA, "dump", binary=True)
    snap = store.save(t.namespace, name, t.db, rev, data)
    print(f"snapshot {snap.name!r} saved: {snap.path} ({snap.size:,} bytes, {t.db}, revision {rev})", flush=True)
    print_list(t.namespace)
    return snap


def print_list(namespace: str) -> None:
    snaps = store.all_snapshots(namespace)
    print(f"snapshots of namespace {namespace} ({store.directory(namespace)}):")
    for s in snaps:
        print(f"  {s.line()}")
    if not snaps:
        print("  none yet")


def restore(kube: Kube, name: str) -> store.Snapshot:
    """Stop the backend, put the snapshot in place, start it again; its start-up migration brings an
    older snapshot to the code's revision, and the rollout waits for /ready (its readiness probe)."""
    t = kube.target
    snap = store.find(t.namespace, name, t.db)
    print(f"restoring snapshot {snap.name!r} ({snap.db}, revision {snap.revision}, taken {snap.created[:19]})",
          flush=True)
    data = snap.path.read_bytes()
    workload = f"deployment/{t.backend}"
    replicas = max(1, kube.replicas(workload))
    # SQLite: the side pod that swaps the file starts while the backend stops (it only sleeps until then).
    side_pod = _start_side_pod(kube) if t.db == "sqlite" else None
    try:
        kube.scale(workload, 0, t.backend_selector)
        if side_pod:
            _restore_sqlite(kube, side_pod, data)
        else:
            _restore_postgres(kube, data)
    finally:
        if side_pod:
            kube("delete", "pod", side_pod, "--ignore-not-found", "--wait=false")
        # Whatever happened, the backend comes back (on the old data if the restore failed). Scale
        # back ourselves: Tilt re-applying the unchanged Deployment would not undo `scale`.
        kube.scale(workload, replicas, t.backend_selector, timeout="300s")
    print(f"restored {snap.name!r}: backend ready at revision {revision(kube)} (snapshot was at {snap.revision})",
          flush=True)
    return snap


def _restore_postgres(kube: Kube, data: bytes) -> None:
    # Into a scratch database first: a dump that fails to load leaves the live data untouched.
    _postgres_exec(kube, *psql_args(f'DROP DATABASE IF EXISTS "{RESTORE_DB}"',
                                    f'CREATE DATABASE "{RESTORE_DB}" OWNER "{POSTGRES_USER}"', database="postgres"))
    try:
        _postgres_exec(kube, "pg_restore", "-U", POSTGRES_USER, "-d", RESTORE_DB, "--no-owner", "--exit-on-error",
                       stdin=data, binary=True)
    except DevDataError:
        _postgres_exec(kube, *psql_args(f'DROP DATABASE IF EXISTS "{RESTORE_DB}"', database="postgres"),
                       check=False)
        raise
    # A whole database swap, so tables the snapshot predates (a later migration's) go too.
    _postgres_exec(kube, *psql_args(f'DROP DATABASE "{POSTGRES_DB}" WITH (FORCE)',
                                    f'ALTER DATABASE "{RESTORE_DB}" RENAME TO "{POSTGRES_DB}"', database="postgres"))


def _start_side_pod(kube: Kube) -> str:
    t = kube.target
    deployment = json.loads(kube("get", f"deployment/{t.backend}", "-o", "json", quiet=True))
    pod = restore_pod(deployment, f"{t.backend}-restore")
    kube("delete", "pod", pod["metadata"]["name"], "--ignore-not-found", "--wait")
    kube("create", "-f", "-", stdin=json.dumps(pod))
    return pod["metadata"]["name"]


def _restore_sqlite(kube: Kube, side_pod: str, data: bytes) -> None:
    kube("wait", "--for=condition=Ready", f"pod/{side_pod}", "--timeout=120s")
    out = kube("exec", "-i", side_pod, "--", *DEVDATA, "load", stdin=data, binary=True)
    print(out.decode(errors="replace").strip(), flush=True)


def restore_pod(deployment: dict, name: str) -> dict:
    """A short-lived pod with the backend's image, settings and data volume, to swap the SQLite file
    while the backend itself is stopped. Not the backend's labels: no Service or Tilt picks it up."""
    spec = deployment["spec"]["template"]["spec"]
    app = next(c for c in spec["containers"] if c["name"] == "backend")
    container = {k: app[k] for k in ("image", "env", "envFrom", "volumeMounts", "securityContext", "resources")
                 if k in app}
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/part-of": "todo-app",
                                              "app.kubernetes.io/component": "dev-data-restore"}},
        "spec": {
            "restartPolicy": "Never",
            "activeDeadlineSeconds": 900,  # never outlives a stuck restore for long
            "terminationGracePeriodSeconds": 1,  # it only sleeps
            "automountServiceAccountToken": False,
            "securityContext": spec.get("securityContext", {}),
            "volumes": spec.get("volumes", []),
            "containers": [{"name": "restore", **container,
                            "command": ["python", "-c", "import time; time.sleep(900)"]}],
        },
    }
