"""`down` leaves nothing of ours on the host and `up` works again; after every cluster process is
SIGKILLed (as CI does before it starts), `up` cleans up and succeeds. These restart the cluster, so
they run after every other test (marker `lifecycle`)."""
from __future__ import annotations

import os
import signal
import time

import pytest

from cluster_helpers import Cluster, cc, poll, run_cli
from scripts.cluster import cgroups, procs, teardown

pytestmark = pytest.mark.lifecycle




def test_down_removes_everything_then_up_works(cluster: Cluster):
    r = run_cli("down", timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert teardown.verify_clean(cluster.state) == []
    for name in cc.COMPONENT_ORDER:
        assert procs.pid_of(cluster.state, name) is None
    assert not cgroups.our_dirs()

    start = time.monotonic()
    r = run_cli("up", timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert cluster.node_ready()
    assert cluster.kubectl("get", "--raw", "/readyz").stdout.strip() == "ok"
    print(f"up after down: {time.monotonic() - start:.1f}s")


def test_up_recovers_after_every_process_is_sigkilled(cluster: Cluster, namespace: str, test_image: str):
    from cluster_helpers import pod
    cluster.apply({**pod("before", test_image), "metadata": {"name": "before", "namespace": namespace,
                                                             "labels": {"app": "before"}}},
                  {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "before", "namespace": namespace},
                   "spec": {"selector": {"app": "before"}, "ports": [{"port": 80, "targetPort": 8080}]}})
    cluster.wait("pod/before", "--for=condition=Ready", f"--namespace={namespace}", timeout=60)

    # What CI's cleanup does: SIGKILL every process we left, with no chance to clean up.
    victims = [p for n in cc.COMPONENT_ORDER if (p := procs.pid_of(cluster.state, n))]
    victims += procs.leftovers(cluster.state) + sorted(cgroups.pids())
    assert victims
    for pid in set(victims):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    poll(lambda: not any(procs.alive(p) for p in victims), timeout=10, what="killed processes to exit")
    assert teardown.anything_left(cluster.state), "a SIGKILLed cluster should leave state behind"

    r = run_cli("up", timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "cleaned up a previous run" in r.stdout
    assert cluster.node_ready()
    # The pod from before comes back (new sandbox, new IP) and is reachable through its Service by DNS
    # name: CNI, kube-proxy and CoreDNS all recovered.
    cluster.wait("pod/before", "--for=condition=Ready", f"--namespace={namespace}", timeout=90)
    out = poll(lambda: cluster.kubectl("exec", "-n", namespace, "before", "--", "/web", "get",
                                       f"http://before.{namespace}.svc.cluster.local/", check=False).stdout,
               timeout=30, what="the Service to answer after recovery")
    assert out.startswith("hello from before")
