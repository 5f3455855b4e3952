import json
import subprocess

import pytest

from scripts.tilt import reset_data

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

    def run(cmd, input=None, **kwargs):
        ran.append(" ".join(cmd))
        if fail_on and fail_on in cmd:
            return subprocess.CompletedProcess(cmd, 1, stdout="", stderr="boom")
        out = "2" if "jsonpath={.spec.replicas}" in cmd else json.dumps(LIVE_CLAIM) if "json" in cmd else ""
        return subprocess.CompletedProcess(cmd, 0, stdout=out, stderr="")
    return run, ran


def test_backend_stops_before_the_claim_is_replaced_and_returns_to_its_replicas():
    run, ran = _runner()
    reset_data.reset("ns1", "rel", "todo-local", run=run)
    order = [next(i for i, c in enumerate(ran) if needle in c) for needle in
             ("--replicas=0", "wait --for=delete", "delete pvc rel-backend-data", "create -f -", "--replicas=2")]
    assert order == sorted(order)
    assert all(c.startswith("kubectl --context todo-local -n ns1 ") for c in ran)


def test_a_failing_step_stops_the_reset_and_names_the_command():
    run, ran = _runner(fail_on="wait")
    with pytest.raises(reset_data.ResetError, match="kubectl .* wait .* failed: boom"):
        reset_data.reset("ns1", "rel", "todo-local", run=run)
    assert not any("delete pvc" in c for c in ran), "the claim must not be deleted while a pod may still use it"


def test_without_a_backend_claim_nothing_is_touched_and_the_reason_is_given():
    # A shared database (--db=postgres): the chart makes no backend claim.
    ran = []

    def run(cmd, input=None, **kwargs):
        ran.append(" ".join(cmd))
        return subprocess.CompletedProcess(cmd, 0, stdout="1" if "jsonpath={.spec.replicas}" in cmd else "", stderr="")
    with pytest.raises(reset_data.ResetError, match="rel-backend-data does not exist: .*shared database"):
        reset_data.reset("ns1", "rel", "todo-local", run=run)
    assert not any("scale" in c or "delete" in c for c in ran)
