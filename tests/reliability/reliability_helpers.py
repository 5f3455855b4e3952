"""Helpers for the reliability suite (a uniquely named module, so no other suite's helpers shadow it)."""
from __future__ import annotations

import time
import uuid

import requests

from tests.support import registry
from tests.support.registry import REGISTRY, push_runtime_image, run  # noqa: F401 (the suite's names)

TIMEOUT = 10


def new_user(base: str) -> tuple[dict, dict]:
    """Sign up a fresh user; returns (credentials, Authorization header)."""
    creds = {"email": f"rel-{uuid.uuid4().hex[:10]}@example.com", "password": f"pw-{uuid.uuid4().hex}"}
    r = requests.post(f"{base}/api/auth/signup", json=creds, timeout=TIMEOUT)
    assert r.status_code == 201, r.text
    return creds, {"Authorization": f"Bearer {r.json()['access_token']}"}


def wait_for(predicate, timeout: float, what: str, interval: float = 0.2):
    """Poll until predicate() is truthy; returns (value, seconds waited)."""
    start = time.monotonic()
    last = None
    while time.monotonic() - start < timeout:
        try:
            last = predicate()
            if last:
                return last, time.monotonic() - start
        except requests.RequestException as err:
            last = err
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def record(name: str, data: dict) -> None:
    """Measured numbers for scripts/reliability/report.py (reports/ is gitignored)."""
    import json

    from tests.support.tilt_session import REPO
    out = REPO / "reports" / "reliability"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(data, indent=2) + "\n")  # phases stay in time order
    print(f"{name}: {json.dumps(data, sort_keys=True)}")


def push_backend_runtime_image() -> str:
    return push_runtime_image("backend", prefix="rel")


def push_postgres_image() -> str:
    return registry.push_postgres_image(prefix="rel")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]
