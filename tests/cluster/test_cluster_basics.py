"""The cluster comes up healthy and advertises what Tilt and the chart rely on."""
from __future__ import annotations

import json
import subprocess

from cluster_helpers import REPO, Cluster, cc, run_cli


def test_node_ready_and_apiserver_readyz(cluster: Cluster):
    assert cluster.node_ready()
    assert cluster.kubectl("get", "--raw", "/readyz").stdout.strip() == "ok"
    node = cluster.get_json("node", cc.NODE_NAME)
    assert node["spec"]["podCIDR"] == cc.NODE_POD_CIDR
    assert node["status"]["nodeInfo"]["kubeletVersion"] == f"v{cc.kube_version()}"


def test_up_again_is_quick_and_idempotent(cluster: Cluster):
    r = run_cli("up", timeout=120)
    assert r.returncode == 0
    assert "already up" in r.stdout


def test_status_reports_every_component_healthy(cluster: Cluster):
    r = run_cli("status", timeout=60)
    assert r.returncode == 0
    for name in cc.COMPONENT_ORDER:
        assert f"{name}" in r.stdout and "not running" not in r.stdout


def test_local_registry_is_advertised_for_tilt(cluster: Cluster):
    cm = cluster.get_json("configmap", "local-registry-hosting", "-n", "kube-public")
    text = cm["data"]["localRegistryHosting.v1"]
    assert f'host: "{cc.REGISTRY}"' in text
    assert f'hostFromContainerRuntime: "{cc.REGISTRY}"' in text


def test_default_storage_class_binds_on_first_consumer(cluster: Cluster):
    sc = cluster.get_json("storageclass", cc.STORAGE_CLASS)
    assert sc["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "true"
    assert sc["volumeBindingMode"] == "WaitForFirstConsumer"


def test_user_kubeconfig_has_the_todo_local_context(cluster: Cluster):
    from scripts.cluster.kubeconfig import user_kubeconfig
    r = subprocess.run([str(cc.kube_bin("kubectl")), "--kubeconfig", str(user_kubeconfig()),
                        "--context", cc.CONTEXT, "get", "--raw", "/readyz"], capture_output=True, text=True,
                       cwd=REPO, timeout=30)
    assert r.stdout.strip() == "ok", r.stderr


def test_dns_service_has_the_conventional_address(cluster: Cluster):
    svc = cluster.get_json("service", "kube-dns", "-n", "kube-system")
    assert svc["spec"]["clusterIP"] == cc.DNS_IP
    assert json.dumps(svc["spec"]["ports"]).count('"port": 53') == 2


def test_a_clusterip_without_a_service_is_refused_locally(cluster: Cluster):
    """A stale DNS answer (a Service recreated by tilt down/up) must fail fast here, never follow the
    default route off this machine, where something else might answer (and once did, with a 404)."""
    import socket
    import time
    unused = "10.96.250.250"
    assert not cluster.kubectl("get", "services", "-A", "-o", "jsonpath={..clusterIP}").stdout.count(unused)
    start = time.monotonic()
    s = socket.socket()
    s.settimeout(5)
    try:
        err = s.connect_ex((unused, 80))
    finally:
        s.close()
    assert err == 111, f"expected ECONNREFUSED from our reject rule, got errno {err}"
    assert time.monotonic() - start < 1

