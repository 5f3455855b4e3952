"""The chart's restricted securityContext runs under Pod Security `restricted`, and the built-in
admission really enforces it."""
from __future__ import annotations

import pytest

from cluster_helpers import Cluster, pod
from scripts.project import APP_GID, APP_UID

pytestmark = pytest.mark.restricted


def test_restricted_pod_runs_as_the_app_uid_with_read_only_root(cluster: Cluster, namespace: str, test_image: str):
    cluster.apply({**pod("app", test_image, command=["/bin/sleep", "3600"]),
                   "metadata": {"name": "app", "namespace": namespace}})
    cluster.wait("pod/app", "--for=condition=Ready", f"--namespace={namespace}", timeout=60)
    out = cluster.kubectl("exec", "-n", namespace, "app", "--", "sh", "-c",
                          "id -u; id -g; touch /rootfs-write 2>&1 || echo ro; grep -c . /proc/self/status >/dev/null;"
                          " grep CapEff /proc/self/status")
    lines = out.stdout.splitlines()
    assert lines[0] == str(APP_UID) and lines[1] == str(APP_GID)
    assert lines[-2].endswith("ro") or "Read-only" in out.stdout
    assert lines[-1].split()[1] == "0000000000000000"  # every capability dropped


def test_privileged_pod_is_rejected_by_pod_security(cluster: Cluster, namespace: str, test_image: str):
    bad = pod("bad", test_image, restricted=False)
    bad["metadata"]["namespace"] = namespace
    bad["spec"]["containers"][0]["securityContext"] = {"privileged": True}
    r = cluster.kubectl("apply", "-f", "-", input=__import__("json").dumps(bad), check=False)
    assert r.returncode != 0
    assert "violates PodSecurity" in r.stderr
