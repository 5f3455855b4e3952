"""One local cluster for the whole session: `up` runs once; tests use namespaces of their own.

Tests marked `lifecycle` (down/up, SIGKILL recovery) run last, since they restart the cluster.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from cluster_helpers import DOCKER, TEST_IMAGE_SRC, Cluster, _ensure_busybox, buildkit_env, cc, run_cli
from scripts import project


def pytest_configure(config):
    config.addinivalue_line("markers", "lifecycle: restarts the cluster; runs after every other test")
    config.addinivalue_line("markers", "restricted: the test's namespace enforces Pod Security 'restricted'")


def pytest_collection_modifyitems(items):
    items.sort(key=lambda it: it.get_closest_marker("lifecycle") is not None)


@pytest.fixture(scope="session")
def cluster() -> Cluster:
    r = run_cli("up")
    assert r.returncode == 0, f"`up` failed:\n{r.stdout}\n{r.stderr}"
    c = Cluster(cc.State.default())
    assert c.node_ready()
    return c


@pytest.fixture
def namespace(cluster: Cluster, request):
    """A fresh namespace (restricted Pod Security when the test is marked `restricted`)."""
    name = f"ct-{request.node.name[:30].lower().replace('_', '-').strip('-')}-{uuid.uuid4().hex[:5]}"
    labels = {}
    if request.node.get_closest_marker("restricted") or getattr(request, "param", None) == "restricted":
        labels = {"pod-security.kubernetes.io/enforce": "restricted",
                  "pod-security.kubernetes.io/enforce-version": "latest"}
    cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}})
    yield name
    cluster.kubectl("delete", "namespace", name, "--wait=false", check=False)


@pytest.fixture(scope="session")
def test_image(cluster: Cluster) -> str:
    """Build the test workload image with the local Docker engine and push it to the local registry."""
    busybox = _ensure_busybox()
    with tempfile.TemporaryDirectory(prefix="todo-cluster-test-") as ctx:
        env = {**os.environ, "CGO_ENABLED": "0", "GOTOOLCHAIN": "local", "GOFLAGS": "-buildvcs=false"}
        subprocess.run([cc.go_binary(), "build", "-trimpath", "-ldflags", "-s -w", "-o", f"{ctx}/web", "."],
                       cwd=TEST_IMAGE_SRC, check=True, env=env)
        shutil.copy2(TEST_IMAGE_SRC / "Dockerfile", f"{ctx}/Dockerfile")
        shutil.copy2(busybox, f"{ctx}/busybox")
        user = [f"--build-arg={k}={v}" for k, v in project.FACTS.build_args("test").items()]
        digest = hashlib.sha256(Path(f"{ctx}/web").read_bytes() + busybox.read_bytes()
                                + " ".join(user).encode()).hexdigest()[:12]
        ref = f"{cc.REGISTRY}/todo-cluster-test/web:{digest}"
        denv = buildkit_env()
        subprocess.run([DOCKER, "build", "-q", *user, "-t", ref, ctx], check=True, env=denv, capture_output=True)
    subprocess.run([DOCKER, "push", ref], check=True, env=denv, capture_output=True, timeout=120)
    return ref


