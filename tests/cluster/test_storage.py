"""A claim on the default StorageClass binds through our host-path provisioner, a pod writes to it,
and the data outlives the pod; deleting the claim reclaims the directory."""
from __future__ import annotations

from pathlib import Path

import pytest

from cluster_helpers import Cluster, cc, pod, poll

pytestmark = pytest.mark.restricted


def _pvc(name: str, ns: str) -> dict:
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name, "namespace": ns},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "64Mi"}}}}


def _with_claim(name: str, ns: str, image: str, command: list[str]) -> dict:
    p = pod(name, image, command=command, volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}],
            mounts=[{"name": "data", "mountPath": "/data"}])
    p["metadata"]["namespace"] = ns
    p["spec"]["restartPolicy"] = "Never"
    return p


def test_claim_binds_and_data_survives_pod_deletion(cluster: Cluster, namespace: str, test_image: str):
    cluster.apply(_pvc("data", namespace),
                  _with_claim("writer", namespace, test_image, ["sh", "-c", "echo kept > /data/note; sleep 3600"]))
    cluster.wait("pod/writer", "--for=condition=Ready", f"--namespace={namespace}", timeout=90)
    claim = cluster.get_json("pvc", "data", "-n", namespace)
    assert claim["status"]["phase"] == "Bound"
    pv = cluster.get_json("pv", claim["spec"]["volumeName"])
    host_dir = Path(pv["spec"]["hostPath"]["path"])
    assert host_dir.parent == cluster.state.volumes
    assert pv["spec"]["storageClassName"] == cc.STORAGE_CLASS

    cluster.kubectl("delete", "pod", "writer", "-n", namespace, "--wait=true", timeout=60)
    assert (host_dir / "note").read_text() == "kept\n"
    cluster.apply(_with_claim("reader", namespace, test_image, ["cat", "/data/note"]))
    poll(lambda: cluster.get_json("pod", "reader", "-n", namespace)["status"].get("phase") == "Succeeded",
         timeout=60, what="reader pod to finish")
    assert cluster.kubectl("logs", "reader", "-n", namespace).stdout == "kept\n"

    # Reclaim policy Delete: the provisioner removes the directory once the claim is gone.
    cluster.kubectl("delete", "pod", "reader", "-n", namespace, "--wait=true", timeout=60)
    cluster.kubectl("delete", "pvc", "data", "-n", namespace, "--wait=true", timeout=60)
    poll(lambda: not host_dir.exists(), timeout=30, what=f"{host_dir} to be removed")
