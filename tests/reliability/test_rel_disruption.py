"""Disruption under load on a production-values install: PostgreSQL in the release, 2 backend replicas
and a PodDisruptionBudget. A bounded in-cluster load client (a Job from the backend image hitting the
Service by DNS name, one connection per request) measures every request while a pod is evicted through
the Eviction API (0 failures required), a pod is hard-deleted (failures counted), and the image changes
under a rolling update (failures counted, goal 0). Also: SIGTERM while a request is in flight."""
import json
import secrets
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest

from reliability_helpers import (REGISTRY, percentile, push_backend_runtime_image, push_postgres_image, record,
                                 run)
from tests.support.tilt_session import free_port, tool_env
from scripts.project import APP_GID, APP_UID, BACKEND_PORT, SECRET_NAME

RELEASE = "todo-app"  # object names todo-app-backend, todo-app-postgresql (namespace is unique)
BACKEND = f"{RELEASE}-backend"
HERE = Path(__file__).parent


class Release:
    def __init__(self, context, namespace):
        self.context, self.ns = context, namespace

    def kubectl(self, *args, check=True, timeout=120, input=None):
        return run("kubectl", "--context", self.context, "-n", self.ns, *args, check=check, timeout=timeout,
                   input=input)

    def backend_pods(self):
        out = self.kubectl("get", "pods", "-l", "app.kubernetes.io/component=backend", "--field-selector",
                           "status.phase=Running", "-o", "jsonpath={.items[*].metadata.name}").stdout
        return out.split()

    def wait_rolled_out(self, timeout=180):
        self.kubectl("rollout", "status", f"deployment/{BACKEND}", f"--timeout={timeout}s", timeout=timeout + 10)


@pytest.fixture(scope="module")
def release(kube_context):
    ns = f"todo-rel-{uuid.uuid4().hex[:6]}"
    rel = Release(kube_context, ns)
    try:
        run("kubectl", "--context", kube_context, "create", "namespace", ns)
        run("kubectl", "--context", kube_context, "label", "namespace", ns,
            "pod-security.kubernetes.io/enforce=restricted")
        pg_password = secrets.token_urlsafe(24)
        env_file = "\n".join([f"JWT_SECRET={secrets.token_urlsafe(48)}", f"POSTGRES_PASSWORD={pg_password}",
                              f"DATABASE_URL=postgresql://todo:{pg_password}@{RELEASE}-postgresql:5432/todo"])
        rel.kubectl("create", "secret", "generic", SECRET_NAME, "--from-env-file=/dev/stdin", input=env_file)
        backend_tag, pg_tag = push_backend_runtime_image(), push_postgres_image()
        rel.backend_tag, rel.pg_tag = backend_tag, pg_tag
        install = run("helm", "install", RELEASE, "helm/todo-app", "--kube-context", kube_context, "-n", ns,
                      "--wait", "--timeout", "5m",
                      "--set", "postgresql.enabled=true", "--set", "backend.replicaCount=2",
                      "--set", "backend.podDisruptionBudget.enabled=true", "--set", "frontend.replicaCount=0",
                      "--set", f"postgresql.image.repository={REGISTRY}/todo-postgres",
                      "--set", f"postgresql.image.tag={pg_tag}",
                      "--set", f"backend.image.repository={REGISTRY}/todo-backend",
                      "--set", f"backend.image.tag={backend_tag}", timeout=420, check=False)
        assert install.returncode == 0, install.stdout + install.stderr + rel.kubectl(
            "get", "pods,events", check=False).stdout
        rel.kubectl("create", "configmap", "load-client", f"--from-file=load_client.py={HERE / 'load_client.py'}")
        yield rel
    finally:
        run("helm", "uninstall", RELEASE, "--kube-context", kube_context, "-n", ns, "--wait", check=False)
        run("kubectl", "--context", kube_context, "delete", "namespace", ns, "--wait=false", check=False)
        # Drop the local tags this module made (the layers stay shared with the todo-* images).
        tags = [f"{REGISTRY}/todo-postgres:{getattr(rel, 'pg_tag', '')}"] + [
            f"{REGISTRY}/todo-backend:{getattr(rel, 'backend_tag', '')}{suffix}" for suffix in ("", "-b")]
        run("docker", "rmi", *[t for t in tags if not t.endswith(":") and not t.endswith(":-b")], check=False)


def start_load(rel, name, duration, rate=10):
    """Create the load Job; returns once it has signed up and started (its STARTED wall-clock time)."""
    sc = {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "runAsNonRoot": True,
          "capabilities": {"drop": ["ALL"]}}
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
           "spec": {"backoffLimit": 0, "activeDeadlineSeconds": int(duration) + 180, "template": {"spec": {
               "restartPolicy": "Never", "automountServiceAccountToken": False,
               "securityContext": {"runAsUser": APP_UID, "runAsGroup": APP_GID, "runAsNonRoot": True,
                                   "seccompProfile": {"type": "RuntimeDefault"}},
               "containers": [{"name": "load", "image": f"{REGISTRY}/todo-backend:{rel.backend_tag}",
                               "command": ["python", "/load/load_client.py"],
                               "env": [{"name": "TARGET", "value": f"http://{BACKEND}:{BACKEND_PORT}"},
                                       {"name": "RATE", "value": str(rate)},
                                       {"name": "DURATION", "value": str(duration)}],
                               "resources": {"requests": {"cpu": "50m", "memory": "64Mi"},
                                             "limits": {"cpu": "300m", "memory": "128Mi"}},
                               "securityContext": sc,
                               "volumeMounts": [{"name": "script", "mountPath": "/load"}]}],
               "volumes": [{"name": "script", "configMap": {"name": "load-client"}}]}}}}
    rel.kubectl("apply", "-f", "-", input=json.dumps(job))
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        logs = rel.kubectl("logs", f"job/{name}", check=False).stdout
        for line in logs.splitlines():
            if line.startswith("STARTED"):
                return float(line.split()[1])
        time.sleep(1)
    raise AssertionError(f"load job {name} did not start:\n{rel.kubectl('describe', f'job/{name}', check=False).stdout[-2000:]}")


def collect(rel, name, duration):
    rel.kubectl("wait", "--for=condition=complete", f"job/{name}", f"--timeout={int(duration) + 120}s",
                timeout=duration + 150)
    rows = []
    for line in rel.kubectl("logs", f"job/{name}").stdout.splitlines():
        if line.startswith("R "):
            _, t, status, ms = line.split()
            rows.append((float(t), int(status), float(ms)))
    return rows


def window(rows, start, end):
    sel = [r for r in rows if start <= r[0] < end]
    ok = [r[2] for r in sel if r[1] == 200]
    return {"requests": len(sel), "failed": sum(1 for r in sel if r[1] != 200),
            "p50_ms": round(percentile(ok, 50), 1), "p99_ms": round(percentile(ok, 99), 1)}


def evict(rel, pod):
    body = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": pod, "namespace": rel.ns}}
    rel.kubectl("create", "--raw", f"/api/v1/namespaces/{rel.ns}/pods/{pod}/eviction", "-f", "-",
                input=json.dumps(body))


def test_eviction_loses_no_request_and_hard_delete_failures_are_counted(release):
    duration = 80
    started = start_load(release, "load-disrupt", duration)
    time.sleep(max(0, started + 15 - time.time()))
    victim = release.backend_pods()[0]
    evict(release, victim)
    evicted = time.time()
    release.wait_rolled_out()
    time.sleep(max(0, started + 50 - time.time()))
    victim2 = release.backend_pods()[0]
    release.kubectl("delete", "pod", victim2, "--grace-period=0", "--force")
    deleted = time.time()
    rows = collect(release, "load-disrupt", duration)
    end = max(r[0] for r in rows) + 1
    result = {
        "rate_rps": 10,
        "before": window(rows, started, evicted),
        "eviction": window(rows, evicted, evicted + 20),
        "between": window(rows, evicted + 20, deleted),
        "hard_delete": window(rows, deleted, deleted + 20),
        "after": window(rows, deleted + 20, end),
        "total": window(rows, started, end),
    }
    record("disruption_eviction_and_delete", result)
    (Path(__file__).resolve().parents[2] / "reports" / "reliability" / "latency_disruption.json").write_text(
        json.dumps({"events": {"eviction": evicted, "hard delete": deleted}, "start": started,
                    "rows": rows}))
    assert result["total"]["requests"] >= duration * 10 * 0.8, result
    assert result["before"]["failed"] == 0 and result["eviction"]["failed"] == 0, result
    assert result["between"]["failed"] == 0, result


def test_rolling_image_update_under_load_fails_no_request(release):
    duration = 70
    new_tag = f"{release.backend_tag}-b"
    run("docker", "tag", f"{REGISTRY}/todo-backend:{release.backend_tag}", f"{REGISTRY}/todo-backend:{new_tag}")
    run("docker", "push", f"{REGISTRY}/todo-backend:{new_tag}", timeout=300)
    started = start_load(release, "load-rollout", duration)
    time.sleep(max(0, started + 15 - time.time()))
    release.kubectl("set", "image", f"deployment/{BACKEND}", f"backend={REGISTRY}/todo-backend:{new_tag}")
    changed = time.time()
    release.wait_rolled_out()
    rolled = time.time()
    rows = collect(release, "load-rollout", duration)
    end = max(r[0] for r in rows) + 1
    result = {"rate_rps": 10, "rollout_seconds": round(rolled - changed, 1),
              "before": window(rows, started, changed), "during": window(rows, changed, rolled),
              "after": window(rows, rolled, end), "total": window(rows, started, end)}
    record("disruption_rolling_update", result)
    assert result["total"]["failed"] == 0, result


def _slow_post(port, result):
    """POST /api/tasks whose body trickles in over ~3 s: the request is in flight when SIGTERM lands."""
    body = json.dumps({"title": "in flight during SIGTERM"}).encode()
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    try:
        s.sendall((f"POST /api/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {result['token']}\r\n"
                   f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode())
        for i in range(0, len(body), 4):
            s.sendall(body[i:i + 4])
            time.sleep(3 / (len(body) / 4))
        data = b""
        while chunk := s.recv(65536):
            data += chunk
        result["response"] = data.decode(errors="replace")
    finally:
        s.close()


def test_sigterm_during_an_in_flight_request_completes_it_and_exits_quickly(release):
    import requests
    pod = release.backend_pods()[0]
    port = free_port()
    pf = subprocess.Popen(["kubectl", "--context", release.context, "-n", release.ns, "port-forward", f"pod/{pod}",
                           f"{port}:{BACKEND_PORT}"], env=tool_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        creds = {"email": f"sig-{uuid.uuid4().hex[:8]}@example.com", "password": uuid.uuid4().hex}
        token = requests.post(f"http://127.0.0.1:{port}/api/auth/signup", json=creds, timeout=10).json()["access_token"]
        result = {"token": token}
        restarts = int(release.kubectl("get", "pod", pod, "-o",
                                       "jsonpath={.status.containerStatuses[0].restartCount}").stdout or 0)
        client = threading.Thread(target=_slow_post, args=(port, result))
        client.start()
        time.sleep(1)
        signalled = time.time()
        release.kubectl("exec", pod, "--", "python", "-c", "import os, signal; os.kill(1, signal.SIGTERM)")
        client.join(30)
        assert result.get("response", "").startswith("HTTP/1.1 201"), result.get("response")
        # The container exits (and is restarted by the kubelet) once the request is done.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            status = json.loads(release.kubectl("get", "pod", pod, "-o", "json").stdout)["status"]["containerStatuses"][0]
            if status["restartCount"] > restarts and status.get("lastState", {}).get("terminated"):
                break
            time.sleep(0.5)
        finished = status["lastState"]["terminated"]["finishedAt"]
        from datetime import datetime
        exit_after = datetime.fromisoformat(finished.replace("Z", "+00:00")).timestamp() - signalled
        record("sigterm_in_flight", {"request_status": 201, "exit_seconds_after_sigterm": round(exit_after, 1),
                                     "exit_code": status["lastState"]["terminated"]["exitCode"]})
        assert exit_after <= 10
    finally:
        pf.terminate()
        pf.wait(10)
