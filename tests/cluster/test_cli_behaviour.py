"""What a user sees from the CLI besides a healthy `up`: clear errors, and a kubeconfig merge that
leaves their other contexts alone."""
from __future__ import annotations

import json
import subprocess

import pytest

from cluster_helpers import Cluster, cc, run_cli


def test_logs_of_unknown_component_names_the_known_ones(cluster: Cluster):
    r = run_cli("logs", "no-such-component", timeout=30)
    assert r.returncode == 2
    assert "no log for 'no-such-component'" in r.stdout and "kube-apiserver" in r.stdout


def test_logs_of_a_component_shows_its_output(cluster: Cluster):
    r = run_cli("logs", "kubelet", "-n", "5", timeout=30)
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 5


def test_preflight_names_ports_held_by_something_else(cluster: Cluster):
    # With the cluster running, every port it needs is held: exactly what preflight must explain.
    from scripts.cluster.ui import ComponentError
    from scripts.cluster.up import Up
    with pytest.raises(ComponentError) as err:
        Up(cluster.state).check_ports()
    assert f"port {cc.API_PORT} (needed by kube-apiserver) is in use" in str(err.value)


def _contexts(path) -> dict:
    out = subprocess.run([str(cc.kube_bin("kubectl")), "config", "view", "--kubeconfig", str(path), "-o", "json"],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def test_kubeconfig_merge_keeps_other_contexts_and_current_context(cluster: Cluster, tmp_path, monkeypatch):
    from scripts.cluster import kubeconfig
    user = tmp_path / "config"
    user.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "work",
        "clusters": [{"name": "work", "cluster": {"server": "https://work.invalid:6443"}}],
        "users": [{"name": "work", "user": {"token": "t"}}],
        "contexts": [{"name": "work", "context": {"cluster": "work", "user": "work"}}]}))
    monkeypatch.setenv("KUBECONFIG", f"{user}:{tmp_path / 'second'}")
    assert kubeconfig.merge_into_user(cluster.state) == user
    cfg = _contexts(user)
    assert {c["name"] for c in cfg["contexts"]} == {"work", cc.CONTEXT}
    assert cfg["current-context"] == "work"
    # A kubeconfig without a current context gets ours.
    fresh = tmp_path / "fresh"
    monkeypatch.setenv("KUBECONFIG", str(fresh))
    kubeconfig.merge_into_user(cluster.state)
    assert _contexts(fresh)["current-context"] == cc.CONTEXT
    r = subprocess.run([str(cc.kube_bin("kubectl")), "--kubeconfig", str(fresh), "get", "--raw", "/readyz"],
                       capture_output=True, text=True, timeout=30)
    assert r.stdout.strip() == "ok"
