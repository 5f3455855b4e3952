"""A chart release on the local cluster, driven with real helm and kubectl, for the e2e suites:
runtime images pushed to the cluster's registry, a namespace of its own, the Secret created outside
the chart, and the backend's API reached through `kubectl port-forward`.
(A uniquely named module, so other suites' helpers can never shadow it.)"""
from __future__ import annotations

import contextlib
import subprocess
import time
import uuid

import requests

from scripts.project import BACKEND_PORT, SECRET_NAME
from tests.support.tilt_session import free_port, tool_env
from tests.support.registry import REGISTRY, push_postgres_image, push_runtime_image, run  # noqa: F401 (the suite's names)

TIMEOUT = 10


def retag(service: str, tag: str) -> str:
    """The same image under a new tag: an upgrade that changes the pod template, nothing else."""
    new = f"{tag}-b"
    run("docker", "tag", f"{REGISTRY}/todo-{service}:{tag}", f"{REGISTRY}/todo-{service}:{new}")
    run("docker", "push", f"{REGISTRY}/todo-{service}:{new}", timeout=600)
    return new


class Release:
    def __init__(self, context: str, prefix: str, release: str):
        self.context, self.name = context, release
        self.ns = f"{prefix}-{uuid.uuid4().hex[:6]}"

    def kubectl(self, *args, check=True, timeout=120, input=None):
        return run("kubectl", "--context", self.context, "-n", self.ns, *args, check=check, timeout=timeout,
                   input=input)

    def create_namespace(self, secret_env: str) -> None:
        """Namespace (Pod Security restricted enforced) and the app's Secret from KEY=value lines,
        passed on stdin so no value reaches a command line or a log."""
        run("kubectl", "--context", self.context, "create", "namespace", self.ns)
        run("kubectl", "--context", self.context, "label", "namespace", self.ns,
            "pod-security.kubernetes.io/enforce=restricted")
        self.kubectl("create", "secret", "generic", SECRET_NAME, "--from-env-file=/dev/stdin", input=secret_env)

    def helm_may_fail(self, verb: str, chart: str, *sets: str, timeout: int = 420):
        args = ["helm", verb, self.name, chart, "--kube-context", self.context, "-n", self.ns,
                "--wait", "--timeout", f"{timeout - 60}s"]
        for item in sets:
            args += ["--set", item]
        return run(*args, timeout=timeout, check=False)

    def helm(self, verb: str, chart: str, *sets: str, timeout: int = 420):
        p = self.helm_may_fail(verb, chart, *sets, timeout=timeout)
        assert p.returncode == 0, (f"helm {verb} failed:\n{p.stdout}{p.stderr}"
                                   + self.kubectl("get", "pods,pvc,events", check=False).stdout[-4000:])
        return p

    def pods(self, component: str) -> list[str]:
        out = self.kubectl("get", "pods", "-l", f"app.kubernetes.io/component={component}", "-o",
                           "jsonpath={.items[*].metadata.name}").stdout
        return sorted(out.split())

    def uid(self, kind: str, name: str) -> str:
        return self.kubectl("get", kind, name, "-o", "jsonpath={.metadata.uid}").stdout.strip()

    @contextlib.contextmanager
    def backend_api(self, timeout: float = 60):
        """The backend Service on a free local port (a new port-forward: the old one dies with its pod)."""
        port = free_port()
        proc = subprocess.Popen(["kubectl", "--context", self.context, "-n", self.ns, "port-forward",
                                 f"service/{self.name}-backend", f"{port}:{BACKEND_PORT}"], env=tool_env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    if requests.get(f"{base}/ready", timeout=TIMEOUT).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    raise AssertionError(f"backend not ready through port-forward: {proc.stderr.read()[-2000:]}")
                time.sleep(0.5)
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=10)

    def delete(self) -> None:
        run("helm", "uninstall", self.name, "--kube-context", self.context, "-n", self.ns, "--wait", check=False)
        run("kubectl", "--context", self.context, "delete", "namespace", self.ns, "--wait=false", check=False)


def sign_up(base: str) -> tuple[dict, dict]:
    """A new user; returns (credentials, Authorization header)."""
    creds = {"email": f"e2e-{uuid.uuid4().hex[:10]}@example.com", "password": f"pw-{uuid.uuid4().hex}"}
    r = requests.post(f"{base}/api/auth/signup", json=creds, timeout=TIMEOUT)
    assert r.status_code == 201, r.text
    return creds, {"Authorization": f"Bearer {r.json()['access_token']}"}


def log_in(base: str, creds: dict) -> dict:
    r = requests.post(f"{base}/api/auth/login", json=creds, timeout=TIMEOUT)
    assert r.status_code == 200, f"the user is gone after the upgrade: {r.status_code} {r.text}"
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def create_tasks(base: str, auth: dict, titles: list[str]) -> None:
    for title in titles:
        r = requests.post(f"{base}/api/tasks", json={"title": title}, headers=auth, timeout=TIMEOUT)
        assert r.status_code == 201, r.text


def task_titles(base: str, auth: dict) -> list[str]:
    r = requests.get(f"{base}/api/tasks", params={"limit": 100}, headers=auth, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    return sorted(t["title"] for t in r.json()["items"])
