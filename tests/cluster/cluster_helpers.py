"""Helpers shared by the cluster tests: run the CLI, kubectl against the cluster, pod specs."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from scripts.cluster import config as cc  # noqa: E402
from scripts.toolchain import buildkit_env, docker_cli  # noqa: E402,F401 (buildkit_env: for the tests)
from tests.support.waiting import wait_for  # noqa: E402
from scripts.project import APP_GID, APP_UID  # noqa: E402

TEST_IMAGE_SRC = Path(__file__).resolve().parent / "testimage"
DOCKER = docker_cli()[0]  # the BuildKit-capable CLI the toolchain chose

# The chart's securityContext (runtime user app), which the restricted profile admits.
RESTRICTED_POD_SC = {"runAsNonRoot": True, "runAsUser": APP_UID, "runAsGroup": APP_GID, "fsGroup": APP_GID,
                     "seccompProfile": {"type": "RuntimeDefault"}}
RESTRICTED_CONTAINER_SC = {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                           "runAsNonRoot": True, "runAsUser": APP_UID,
                           "capabilities": {"drop": ["ALL"]}}


def run_cli(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    r = subprocess.run([sys.executable, "-m", "scripts.cluster", *args], cwd=REPO, capture_output=True,
                       text=True, timeout=timeout)
    print(r.stdout, r.stderr, sep="\n")
    return r


class Cluster:
    def __init__(self, state: cc.State):
        self.state = state
        self.kubectl_bin = str(cc.kube_bin("kubectl"))

    def kubectl(self, *args: str, input: str | None = None, timeout: float = 60,
                check: bool = True) -> subprocess.CompletedProcess:
        r = subprocess.run([self.kubectl_bin, "--kubeconfig", str(self.state.admin_kubeconfig), *args],
                           input=input, capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({r.returncode}): {r.stderr}")
        return r

    def get_json(self, *args: str) -> dict:
        return json.loads(self.kubectl("get", *args, "-o", "json").stdout)

    def apply(self, *objects: dict) -> None:
        self.kubectl("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": list(objects)}))

    def wait(self, what: str, *args: str, timeout: int = 90) -> None:
        r = self.kubectl("wait", what, *args, f"--timeout={timeout}s", timeout=timeout + 10, check=False)
        if r.returncode != 0:
            ns = next((a.split("=", 1)[1] for a in args if a.startswith("--namespace=")), None)
            diag = self.kubectl("get", "pods,events", *(["-n", ns] if ns else ["-A"]), check=False).stdout
            raise AssertionError(f"kubectl wait {what} {' '.join(args)} failed: {r.stderr}\n{diag}")

    def node_ready(self) -> bool:
        r = self.kubectl("get", "node", cc.NODE_NAME, "-o",
                         "jsonpath={.status.conditions[?(@.type=='Ready')].status}", check=False)
        return r.stdout.strip() == "True"


def poll(predicate, timeout: float, interval: float = 0.5, what: str = "condition"):
    return wait_for(predicate, timeout, what, interval, tolerate=())


def _is_static_elf(path: Path) -> bool:
    """No PT_INTERP program header = no dynamic loader needed (runs in a FROM scratch image)."""
    import struct
    data = path.read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2:  # 64-bit only, which is all this project builds for
        return False
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    return all(struct.unpack_from("<I", data, phoff + i * phentsize)[0] != 3 for i in range(phnum))


def _ensure_busybox() -> Path:
    """Debian's static busybox gives the test image sh and tar (what Tilt's live update execs)."""
    path = Path("/bin/busybox")
    if not path.exists() or not _is_static_elf(path):
        subprocess.run(["apt-get", "install", "-y", "-q", "busybox-static"], check=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, capture_output=True)
    if not _is_static_elf(path):
        pytest.fail("the test image needs a static busybox: `apt-get install busybox-static`")
    return path


def pod(name: str, image: str, command: list[str] | None = None, volumes: list[dict] | None = None,
        mounts: list[dict] | None = None, restricted: bool = True, pull: str = "IfNotPresent",
        labels: dict | None = None) -> dict:
    ctr = {"name": "main", "image": image, "imagePullPolicy": pull,
           "volumeMounts": [{"name": "work", "mountPath": "/work"}] + (mounts or [])}
    if command:
        ctr["command"] = command
    if restricted:
        ctr["securityContext"] = RESTRICTED_CONTAINER_SC
    spec = {"containers": [ctr], "terminationGracePeriodSeconds": 1,
            "volumes": [{"name": "work", "emptyDir": {}}] + (volumes or [])}
    if restricted:
        spec["securityContext"] = RESTRICTED_POD_SC
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels or {}}, "spec": spec}
