"""Polling with a deadline, for tests that wait on a cluster, a Tilt session or a browser."""
from __future__ import annotations

import time

import requests


def wait_for(predicate, timeout: float, what: str = "condition", interval: float = 0.5,
             tolerate: tuple[type[BaseException], ...] = (requests.RequestException,)):
    """Call `predicate` until it returns something truthy and return that; an exception in `tolerate`
    (a port-forward reconnecting, say) counts as "not yet". On timeout the AssertionError names what
    was awaited and the last answer, so a failure says more than "timed out"."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except tolerate as err:
            last = err
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")
