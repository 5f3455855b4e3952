"""Reset dev data (scripts/devdata/reset.py) against a recording kubectl: what is stopped, deleted
and recreated, in which order; the real run is in tests/e2e/test_devdata_loop.py."""
import json
import subprocess

import pytest

from scripts.devdata import reset as reset_data
from scripts.devdata.target import DevDataError, Kube, Target

LIVE_CLAIM = {
    "apiVersion": "v1", "kind": "PersistentVolumeClaim",
    "metadata": {"name": "rel-backend-data", "namespace": "ns1", "uid": "u-1", "resourceVersion": "42",
                 "creationTimestamp": "2026-01-01T00:00:00Z", "finalizers": ["kubernetes.io/pvc-protection"],
                 "labels": {"app.kubernetes.io/component": "backend"},
                 "annotations": {"tilt.dev/down-policy": "keep", "pv.kubernetes.io/bind-completed": "yes",
                                 "volume.kubernetes.io/selected-node": "todo-local"}},
    "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
             "storageClassName": "todo-local-path", "volumeName": "pvc-123"},
    "status": {"phase": "Bound"},
}


def test_fresh_claim_keeps_the_spec_and_labels_but_not_the_old_volume():
    claim = reset_data.fresh_claim(LIVE_CLAIM)
    assert claim["spec"] == {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
                             "storageClassName": "todo-local-path"}
    assert claim["metadata"]["annotations"] == {"tilt.dev/down-policy": "keep"}
    assert claim["metadata"]["labels"] == LIVE_CLAIM["metadata"]["labels"]
    assert not {"uid", "resourceVersion", "finalizers"} & set(claim["metadata"])
    assert "status" not in claim


def _runner(fail_on=None):
    ran = []

    def run(cmd, **kwargs):
        ran.append(" ".join(cmd))
        if fail_on and fail_on in cmd:
            return subprocess.CompletedProcess(cmd, 1, stdout="", stderr="boom")
        out = "2" if "jsonpath={.spec.replicas}" in cmd else json.dumps(LIVE_CLAIM) if "json" in cmd else ""
        return subprocess.CompletedProcess(cmd, 0, stdout=out, stderr="")
    return run, ran


def test_backend_stops_before_the_claim_is_replaced_and_returns_to_its_replicas():
    run, ran = _runner()
    reset_data.reset(Kube(Target("todo-local", "ns1", "rel", "sqlite"), run=run))
    order = [next(i for i, c in enumerate(ran) if needle in c) for needle in
             ("--replicas=0", "wait --for=delete", "delete pvc rel-backend-data", "create -f -", "--replicas=2",
              "rollout status deployment/rel-backend")]
    assert order == sorted(order)
    assert all(c.startswith("kubectl --context todo-local -n ns1 ") for c in ran)
    assert not any("postgresql" in c for c in ran), "a SQLite loop has no database pod to touch"


def test_with_postgres_the_database_claim_is_emptied_too_with_both_users_stopped_first():
    run, ran = _runner()
    reset_data.reset(Kube(Target("todo-local", "ns1", "rel", "postgres"), run=run))

    def at(needle):
        return next(i for i, c in enumerate(ran) if needle in c)
    backend_down, pg_down = at("scale deployment/rel-backend --replicas=0"), at("scale statefulset/rel-postgresql --replicas=0")
    pg_claim_gone = at("delete pvc data-rel-postgresql-0")
    pg_up, backend_up = at("scale statefulset/rel-postgresql --replicas=1"), at("scale deployment/rel-backend --replicas=2")
    assert backend_down < pg_down < pg_claim_gone < pg_up < backend_up
    assert at("rollout status statefulset/rel-postgresql") < backend_up, "the backend starts on a ready database"


def test_a_failing_step_stops_the_reset_and_names_the_command():
    run, ran = _runner(fail_on="wait")
    with pytest.raises(DevDataError, match="kubectl .* wait .* failed: boom"):
        reset_data.reset(Kube(Target("todo-local", "ns1", "rel", "sqlite"), run=run))
    assert not any("delete pvc" in c for c in ran), "the claim must not be deleted while a pod may still use it"


def test_without_a_backend_claim_nothing_is_touched_and_the_reason_is_given():
    # SQLite keeps its data on the backend's claim: without one there is nothing to reset.
    ran = []

    def run(cmd, **kwargs):
        ran.append(" ".join(cmd))
        return subprocess.CompletedProcess(cmd, 0, stdout="1" if "jsonpath={.spec.replicas}" in cmd else "", stderr="")
    with pytest.raises(DevDataError, match="rel-backend-data does not exist, so there is no SQLite dev data"):
        reset_data.reset(Kube(Target("todo-local", "ns1", "rel", "sqlite"), run=run))
    assert not any("scale" in c or "delete" in c for c in ran)


def test_with_postgres_and_no_backend_claim_only_the_database_claim_is_emptied(capsys):
    ran = []

    def run(cmd, **kwargs):
        ran.append(" ".join(cmd))
        return subprocess.CompletedProcess(cmd, 0, stdout="1" if "jsonpath={.spec.replicas}" in cmd else "", stderr="")
    reset_data.reset(Kube(Target("todo-local", "ns1", "rel", "postgres"), run=run))
    assert any("delete pvc data-rel-postgresql-0" in c for c in ran)
    assert not any("delete pvc rel-backend-data" in c or "create -f -" in c for c in ran)
    assert "dev data reset: ns1/data-rel-postgresql-0 (PostgreSQL) recreated empty" in capsys.readouterr().out
