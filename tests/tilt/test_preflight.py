"""Preflight checks with the real tools: a cluster that does not answer, a Docker engine that is not
there and values the chart refuses each fail in seconds with one paragraph naming cause and fix."""
import time

import pytest

from scripts.tilt import preflight
from scripts.tilt.plan import REPO

BIN = REPO / ".bin"


def tool(name):
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{path} missing: run ./scripts/dev test (it links the pinned tools into ./.bin)")
    return str(path)


def test_a_cluster_that_does_not_answer_is_named_with_its_address_and_the_fix(tmp_path, monkeypatch):
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("""apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: x}}]
contexts: [{name: todo-local, context: {cluster: c, user: u}}]
current-context: todo-local
""")
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    start = time.monotonic()
    with pytest.raises(preflight.PreflightError) as err:
        preflight.check_cluster("todo-local", kubectl=tool("kubectl"))
    assert time.monotonic() - start < 15
    message = str(err.value)
    assert "'todo-local' (https://127.0.0.1:1) does not answer" in message
    assert "python -m scripts.cluster up" in message and "nothing was deployed" in message
    assert "\n" not in message


def test_a_dead_docker_engine_is_named_with_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/dead.sock")
    with pytest.raises(preflight.PreflightError) as err:
        preflight.check_docker()
    message = str(err.value)
    assert f"Docker engine at unix://{tmp_path}/dead.sock does not answer" in message
    assert "DOCKER_HOST" in message and "Nothing was deployed" in message and "\n" not in message


@pytest.mark.parametrize("text, needle", [
    ("backend:\n  replicas: 2\n", "additional properties 'replicas' not allowed"),
    ("backend:\n  image: [unclosed\n", "line 2"),
    ("backend:\n  replicaCount: 2\n", "backend.replicaCount is 2"),
])
def test_values_the_chart_refuses_are_named_with_the_fix(tmp_path, text, needle):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    with pytest.raises(preflight.PreflightError) as err:
        preflight.render("helm/todo-app", "todo-app", "ns", ["helm/todo-app/values-dev.yaml", str(bad)], [],
                         cwd=str(REPO), helm=tool("helm"))
    message = str(err.value)
    assert needle in message and str(bad) in message
    assert "values.schema.json" in message and "nothing was deployed" in message


def test_the_loops_own_values_render():
    rendered = preflight.render("helm/todo-app", "todo-app", "ns", ["helm/todo-app/values-dev.yaml"],
                                ["postgresql.enabled=true"], cwd=str(REPO), helm=tool("helm"))
    assert "kind: StatefulSet" in rendered and "namespace: \"ns\"" in rendered
    assert "helm.sh/hook" not in rendered, "the helm test pod is not the loop's to deploy"
