"""An image built by the local Docker engine and pushed to the local registry runs, is reachable by
Service DNS name and ClusterIP from another pod, through `kubectl port-forward` from the host, and
supports `kubectl logs` and `kubectl exec` (with tar, as Tilt's live update uses)."""
from __future__ import annotations

import re
import subprocess
import urllib.request

import pytest

from cluster_helpers import Cluster, pod, poll
from scripts.project import APP_UID

pytestmark = pytest.mark.restricted


@pytest.fixture
def web(cluster: Cluster, namespace: str, test_image: str) -> dict:
    """Deployment + Service `web` and a `client` pod, in a restricted namespace."""
    template = pod("web", test_image, pull="Always", labels={"app": "web"})
    template["spec"]["containers"][0]["readinessProbe"] = {"httpGet": {"path": "/", "port": 8080},
                                                           "periodSeconds": 1}
    cluster.apply(
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": namespace},
         "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                  "template": {"metadata": template["metadata"], "spec": template["spec"]}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": namespace},
         "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}},
        {**pod("client", test_image, command=["/bin/sleep", "3600"]),
         "metadata": {"name": "client", "namespace": namespace}},
    )
    cluster.wait("deployment/web", "--for=condition=Available", f"--namespace={namespace}", timeout=90)
    cluster.wait("pod/client", "--for=condition=Ready", f"--namespace={namespace}", timeout=60)
    pods = cluster.get_json("pods", "-n", namespace, "-l", "app=web")["items"]
    # kube-proxy programs a new Service's endpoints within about a second (minSyncPeriod): wait for it.
    poll(lambda: cluster.kubectl("exec", "-n", namespace, "client", "--", "/web", "get", "http://web/ready-probe",
                                 check=False).returncode == 0, timeout=20, what="Service web to answer")
    return {"ns": namespace, "pod": pods[0]["metadata"]["name"]}


def test_pushed_image_runs_and_answers_by_service_dns_and_cluster_ip(cluster: Cluster, web: dict):
    ns = web["ns"]
    by_name = cluster.kubectl("exec", "-n", ns, "client", "--", "/web", "get",
                              f"http://web.{ns}.svc.cluster.local/")
    assert by_name.stdout.startswith("hello from web-")
    ip = cluster.get_json("service", "web", "-n", ns)["spec"]["clusterIP"]
    by_ip = cluster.kubectl("exec", "-n", ns, "client", "--", "/web", "get", f"http://{ip}/")
    assert by_ip.stdout.startswith("hello from web-")
    # Short names resolve through the pod's search path too.
    short = cluster.kubectl("exec", "-n", ns, "client", "--", "/web", "get", "http://web/")
    assert short.stdout.startswith("hello from web-")


def test_port_forward_answers_from_the_host(cluster: Cluster, web: dict):
    proc = subprocess.Popen([cluster.kubectl_bin, "--kubeconfig", str(cluster.state.admin_kubeconfig),
                             "port-forward", "-n", web["ns"], "service/web", ":80"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = proc.stdout.readline()
        m = re.search(r"127\.0\.0\.1:(\d+)", line)
        assert m, f"unexpected port-forward output: {line!r}"
        with urllib.request.urlopen(f"http://127.0.0.1:{m.group(1)}/", timeout=10) as r:
            assert r.read().decode().startswith("hello from web-")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_logs_show_the_requests(cluster: Cluster, web: dict):
    ns = web["ns"]
    cluster.kubectl("exec", "-n", ns, "client", "--", "/web", "get", "http://web/logs-probe")
    poll(lambda: "request GET /logs-probe" in cluster.kubectl("logs", "-n", ns, web["pod"]).stdout,
         timeout=20, what="the request line in kubectl logs")


def test_exec_with_tar_syncs_files_like_live_update(cluster: Cluster, web: dict):
    ns, name = web["ns"], web["pod"]
    # What Tilt does: tar on the host | kubectl exec -i <pod> -- tar -x -f - -C <dir>
    import io
    import tarfile
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        data = b"synced by tar\n"
        info = tarfile.TarInfo("app/file.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    r = subprocess.run([cluster.kubectl_bin, "--kubeconfig", str(cluster.state.admin_kubeconfig), "exec", "-i",
                        "-n", ns, name, "--", "tar", "-x", "-f", "-", "-C", "/work"],
                       input=buf.getvalue(), capture_output=True, timeout=30)
    assert r.returncode == 0, r.stderr
    out = cluster.kubectl("exec", "-n", ns, name, "--", "sh", "-c", "cat /work/app/file.txt; id -u")
    assert out.stdout.split("\n")[:2] == ["synced by tar", str(APP_UID)]
