"""`prune` drops old registry tags (keeping the newest), garbage-collects their blobs, and leaves
the registry serving. Marked `lifecycle`: it restarts the registry, so it runs after the other tests."""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from cluster_helpers import DOCKER, Cluster, buildkit_env, cc, run_cli

pytestmark = pytest.mark.lifecycle


def _tags(repo: str) -> list[str]:
    with urllib.request.urlopen(f"http://{cc.REGISTRY}/v2/{repo}/tags/list", timeout=10) as r:
        return sorted(json.loads(r.read())["tags"] or [])


def test_prune_keeps_newest_tags_and_registry_keeps_serving(cluster: Cluster):
    repo = "todo-cluster-test/prune"
    env = buildkit_env()
    with tempfile.TemporaryDirectory() as ctx:
        for i in range(3):
            # Three different images (a file of distinct content each), pushed as tags v0, v1, v2.
            Path(ctx, "Dockerfile").write_text("FROM scratch\nCOPY payload /payload\n")
            Path(ctx, "payload").write_bytes(os.urandom(256 * 1024))
            ref = f"{cc.REGISTRY}/{repo}:v{i}"
            subprocess.run([DOCKER, "build", "-q", "-t", ref, ctx], check=True, env=env, capture_output=True)
            subprocess.run([DOCKER, "push", ref], check=True, env=env, capture_output=True, timeout=60)
            subprocess.run([DOCKER, "rmi", ref], env=env, capture_output=True)
            time.sleep(1.1)  # tag ages are file mtimes: keep them distinct
    assert _tags(repo) == ["v0", "v1", "v2"]

    r = run_cli("prune", "--keep", "1", timeout=120)
    assert r.returncode == 0
    assert "registry tag(s)" in r.stdout
    assert _tags(repo) == ["v2"]
    # The cluster's own images are never pruned, and the registry is back up.
    own = cluster.get_json("deployment", "coredns", "-n", "kube-system")["spec"]["template"]["spec"]["containers"][0]["image"]
    name, tag = own.split("/", 1)[1].rsplit(":", 1)
    assert tag in _tags(name)
