"""Bad operator input under a real `tilt ci`: each mistake fails within seconds with one paragraph that
names the cause and the fix, and nothing is deployed (the loop's namespace never appears)."""
import re
import subprocess
import time
import uuid

import pytest

from tests.support.tilt_session import Tilt, copy_repo, tool_env


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return copy_repo(tmp_path_factory.mktemp("operr") / "repo")


def kubeconfig(kube_context, tmp_path, rename=None, server=None):
    text = subprocess.run(["kubectl", "config", "view", "--raw", "--minify", "--context", kube_context],
                          capture_output=True, text=True, env=tool_env(), check=True).stdout
    if rename:
        text = text.replace(kube_context, rename)
    if server:
        text = re.sub(r"server: \S+", f"server: {server}", text)
    path = tmp_path / "kubeconfig"
    path.write_text(text)
    return str(path)


CASES = {
    "wrong kube context": dict(kubeconfig=dict(rename="prod-east"), context="prod-east",
                               words=["Refusing to deploy to kube context 'prod-east'", "--allow-context=prod-east"]),
    "cluster down": dict(kubeconfig=dict(server="https://127.0.0.1:1"),
                         words=["does not answer", "https://127.0.0.1:1", "python -m scripts.cluster up"]),
    "docker engine down": dict(env={"DOCKER_HOST": "unix:///nonexistent/docker.sock"},
                               words=["Docker engine at unix:///nonexistent/docker.sock does not answer",
                                      "DOCKER_HOST"]),
    "missing .env key": dict(flags=["--mode=prod", "--env-file=empty.env"],
                             words=["missing required key(s): JWT_SECRET", ".env.example"]),
    "malformed values file": dict(values="backend:\n  replicas: 2\n",
                                  words=["additional properties 'replicas' not allowed", "values.schema.json"]),
    "unparsable values file": dict(values="backend:\n  image: [unclosed\n", words=["line 2", "values.schema.json"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_operator_mistake_gives_one_paragraph_and_deploys_nothing(case, repo, kube_context, tmp_path):
    spec = CASES[case]
    namespace = f"todo-rel-{uuid.uuid4().hex[:6]}"
    tilt = Tilt(repo, spec.get("context", kube_context), namespace=namespace)
    extra_env = dict(spec.get("env", {}))
    if "kubeconfig" in spec:
        extra_env["KUBECONFIG"] = kubeconfig(kube_context, tmp_path, **spec["kubeconfig"])
    flags = list(spec.get("flags", []))
    if "values" in spec:
        (repo / f"bad-{namespace}.yaml").write_text(spec["values"])
        flags.append(f"--values=bad-{namespace}.yaml")
    tilt.env = lambda: tool_env(TILT_PORT=str(tilt.port), **extra_env)
    start = time.monotonic()
    rc, out, _ = tilt.ci(*flags, timeout=120)
    seconds = time.monotonic() - start
    assert rc != 0
    # Tilt frames a Tiltfile failure with its own "ERROR: Traceback" line; ours is the paragraph after it.
    errors = [l for l in out.splitlines() if l.startswith("ERROR: ") and "Traceback" not in l]
    assert len(errors) >= 1, out[-3000:]
    message = errors[0]
    for word in spec["words"] + ["nothing was deployed"]:
        assert word.lower() in message.lower(), (word, message)
    assert seconds < 60, f"{case}: took {seconds:.0f}s to fail"
    ns = subprocess.run(["kubectl", "--context", kube_context, "get", "namespace", namespace],
                        capture_output=True, text=True, env=tool_env())
    assert "NotFound" in ns.stderr, f"{case}: namespace {namespace} was created"
    print(f"{case}: failed in {seconds:.1f}s: {message[:160]}…")
