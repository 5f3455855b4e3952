"""The loop's pre-deploy step for a PostgreSQL StatefulSet made by an older chart (serviceName was
the ClusterIP Service; it is immutable). kubectl is faked here; tests/e2e/test_helm_upgrade.py runs
the real step against the local cluster and finds the data afterwards."""
import json
import subprocess

import pytest

from scripts.tilt import postgres_upgrade

OLD_STS = {"kind": "StatefulSet", "spec": {"serviceName": "rel-postgresql"}}
NEW_STS = {"kind": "StatefulSet", "spec": {"serviceName": "rel-postgresql-headless"}}
CLUSTER_IP = {"kind": "Service", "spec": {"clusterIP": "10.96.0.12"}}
HEADLESS = {"kind": "Service", "spec": {"clusterIP": "None"}}


def kubectl(objects: dict, fail_on: str = ""):
    ran = []

    def run(cmd, **kwargs):
        ran.append(" ".join(cmd))
        if fail_on and fail_on in cmd:
            return subprocess.CompletedProcess(cmd, 1, stdout="", stderr="boom")
        if "get" in cmd:
            obj = objects.get((cmd[cmd.index("get") + 1], cmd[cmd.index("get") + 2]))
            return subprocess.CompletedProcess(cmd, 0, stdout=json.dumps(obj) if obj else "", stderr="")
        return subprocess.CompletedProcess(cmd, 0, stdout="", stderr="")
    return run, ran


def test_an_old_charts_statefulset_is_deleted_with_orphan_cascade_only():
    run, ran = kubectl({("statefulset", "rel-postgresql"): OLD_STS, ("service", "rel-postgresql"): CLUSTER_IP})
    said = postgres_upgrade.migrate("ns1", "rel", "todo-local", run=run)
    deletes = [c for c in ran if " delete " in c]
    assert deletes == ["kubectl --context todo-local -n ns1 delete statefulset rel-postgresql --cascade=orphan "
                       "--wait=true --timeout=60s"]
    assert "pod, claim and data kept" in said


@pytest.mark.parametrize("objects", [
    {},  # first deploy: nothing there yet
    {("statefulset", "rel-postgresql"): NEW_STS, ("service", "rel-postgresql-headless"): HEADLESS},
], ids=["no-statefulset", "already-headless"])
def test_nothing_is_deleted_otherwise(objects):
    run, ran = kubectl(objects)
    postgres_upgrade.migrate("ns1", "rel", "todo-local", run=run)
    assert not [c for c in ran if " delete " in c]


def test_a_failing_kubectl_changes_nothing_and_says_so():
    run, ran = kubectl({("statefulset", "rel-postgresql"): OLD_STS}, fail_on="service")
    with pytest.raises(postgres_upgrade.UpgradeError,
                       match="get service rel-postgresql .* failed: boom. Nothing was changed"):
        postgres_upgrade.migrate("ns1", "rel", "todo-local", run=run)
    assert not [c for c in ran if " delete " in c]
