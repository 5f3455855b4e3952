"""Helpers for the dev-data e2e modules: press a dashboard button and wait for its command, talk to
the API as the demo user, read the schema revision /ready reports."""
import json
import subprocess
import uuid

import requests

from tests.support.tilt_session import Tilt
from tests.support import waiting

DEMO = {"email": "demo@example.com", "password": "demo-password"}  # printed by Seed demo data


def wait_for(predicate, timeout, what, interval=0.5):
    """Port-forward hiccups, a kubectl that fails mid-rollout and a half-written answer all mean "not yet"."""
    return waiting.wait_for(predicate, timeout, what, interval,
                            tolerate=(requests.RequestException, subprocess.CalledProcessError, json.JSONDecodeError))


def press(loop: Tilt, button: str, **inputs: str) -> float:
    """Click `button` as the web UI does, wait for its command; asserts exit 0, returns its run time."""
    code, seconds = loop.press(button, **inputs)
    assert code == 0, f"{button} failed:\n{loop.log_tail(60)}"
    return seconds


def api(loop: Tilt, path: str) -> str:
    return f"http://127.0.0.1:{loop.backend_port}{path}"


def demo_session(loop: Tilt) -> requests.Session:
    s = requests.Session()
    # Through Tilt's port-forward, which reconnects on its own after a pod change or a blip.
    r = wait_for(lambda: s.post(api(loop, "/api/auth/login"), json=DEMO, timeout=10), 60, "the demo login")
    assert r.status_code == 200, r.text
    s.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
    return s


def titles(session: requests.Session, loop: Tilt) -> set[str]:
    r = wait_for(lambda: session.get(api(loop, "/api/tasks"), params={"limit": 200}, timeout=10), 60, "the tasks")
    assert r.status_code == 200, r.text
    return {t["title"] for t in r.json()["items"]}


def ready(loop: Tilt, timeout: float = 180) -> dict:
    """/ready's body once it answers 200 through the port-forward (Tilt re-forwards to a new pod)."""
    return wait_for(lambda: (r := requests.get(api(loop, "/ready"), timeout=3)).status_code == 200 and r.json(),
                    timeout, "/ready 200")


def add_task(session: requests.Session, loop: Tilt) -> str:
    title = f"added after the snapshot {uuid.uuid4().hex[:6]}"
    r = wait_for(lambda: session.post(api(loop, "/api/tasks"), json={"title": title}, timeout=10), 60, "a new task")
    assert r.status_code == 201, r.text
    return title


def dev(loop: Tilt, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """`./scripts/dev …` from the session's own copy of the repo (its snapshots, its Tiltfile)."""
    return subprocess.run([str(loop.workdir / "scripts" / "dev"), *args], cwd=loop.workdir, env=loop.env(),
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
