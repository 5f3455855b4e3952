"""In-cluster load client (runs in the backend image, stdlib only): signs up, then sends GET
/api/tasks to the backend *Service* at a fixed rate for a bounded time, one new connection per
request (so kube-proxy balances every request, unlike a pinned `kubectl port-forward`).
Prints one line per request: `R <epoch start s> <status or 0> <latency ms>`; then `DONE`.
Settings: TARGET (http://host:port), RATE (req/s), DURATION (s)."""
import http.client
import json
import os
import time
import uuid
from urllib.parse import urlsplit

target = urlsplit(os.environ["TARGET"])
rate, duration = float(os.environ.get("RATE", "10")), float(os.environ.get("DURATION", "60"))


def call(method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(target.hostname, target.port, timeout=5)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


for _ in range(60):  # the Service may still be settling when the Job starts
    try:
        creds = json.dumps({"email": f"load-{uuid.uuid4().hex[:8]}@example.com", "password": uuid.uuid4().hex})
        status, body = call("POST", "/api/auth/signup", creds, {"Content-Type": "application/json"})
        if status == 201:
            token = json.loads(body)["access_token"]
            break
    except OSError:
        pass
    time.sleep(1)
else:
    raise SystemExit("could not sign up")
auth = {"Authorization": f"Bearer {token}"}
call("POST", "/api/tasks", json.dumps({"title": "load"}), {**auth, "Content-Type": "application/json"})
print("STARTED", time.time(), flush=True)
start = time.monotonic()
n = 0
while time.monotonic() - start < duration:
    due = start + n / rate
    if due > time.monotonic():
        time.sleep(due - time.monotonic())
    t0 = time.time()
    m0 = time.monotonic()
    try:
        status, _ = call("GET", "/api/tasks?limit=5", headers=auth)
    except OSError:
        status = 0
    print(f"R {t0:.3f} {status} {(time.monotonic() - m0) * 1000:.1f}", flush=True)
    n += 1
print("DONE", flush=True)
