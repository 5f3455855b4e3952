"""Watch one HTTP probe endpoint for the Tilt dashboard: green while it answers 2xx/3xx, red when it fails.

Tilt shows a serve_cmd whose readiness probe fails as merely "pending", which hides a readiness
failure among pods still starting. So this watcher logs every transition with the reason the app
returned (e.g. `backend /ready 503 database unreachable → 200`) and, when the endpoint keeps
failing, exits non-zero: Tilt then shows the resource red, with the reason in its log. A detached
reviver keeps polling and, on recovery, asks Tilt (`tilt trigger`, via the TILT_PORT Tilt exports to
local commands) to restart the watcher, which turns the resource green again.

"Unreachable" (no connection: the pod is being replaced, the port-forward reconnects) is not a probe
failure: Kubernetes would not count it against the app either, and the service's own resource shows it.

A request that times out may also be Tilt's port-forward wedged rather than the app (see
scripts/tilt/port_forward.py): with `--port-forward-of RESOURCE` (the liveness watcher of each
service), timeouts in a row make the watcher ask Tilt for a fresh port-forward, and log that it did.
The timeouts still count as failures, so an app that really hangs still turns red.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from scripts.tilt import port_forward

# Timeouts in a row that suggest a wedged port-forward (each is --timeout seconds, --period apart),
# and the least time between two requests for a new one (a new forward needs a moment to connect).
WEDGED_AFTER = 2
NEW_FORWARD_INTERVAL = 30.0


@dataclass(frozen=True)
class Result:
    ok: bool
    reachable: bool
    summary: str  # "200", "503 database unreachable", "timeout", "unreachable"


def check(url: str, timeout: float) -> Result:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return Result(True, True, str(resp.status))
    except urllib.error.HTTPError as err:
        return Result(False, True, f"{err.code} {_reason(err.read())}".strip())
    except TimeoutError:
        return Result(False, True, "timeout")
    except (urllib.error.URLError, ConnectionError, OSError) as err:
        reason = getattr(err, "reason", err)
        if isinstance(reason, TimeoutError):
            return Result(False, True, "timeout")
        return Result(False, False, "unreachable")


def _reason(body: bytes) -> str:
    """The app's own words for a failure: `reason` (or `detail`) from a JSON body, else nothing."""
    try:
        doc = json.loads(body or b"{}")
    except ValueError:
        return ""
    if isinstance(doc, dict):
        for key in ("reason", "detail", "status"):
            if isinstance(doc.get(key), str):
                return doc[key]
    return ""


class Watcher:
    """Tracks consecutive failures like a Kubernetes probe: `failure_threshold` failures in a row make
    the probe red. Like a startupProbe, failures before the first success only count once
    `startup_grace` seconds have passed since the endpoint first answered (migrations, first compile)."""

    def __init__(self, name: str, failure_threshold: int, startup_grace: float,
                 clock=time.monotonic):
        self.name = name
        self.failure_threshold = failure_threshold
        self.startup_grace = startup_grace
        self.clock = clock
        self.last: str | None = None
        self.failures = 0
        self.first_answer: float | None = None
        self.ever_ok = False
        self.timeouts = 0
        self.last_new_forward: float | None = None

    def observe(self, result: Result) -> tuple[str | None, bool]:
        """Returns (transition line to log or None, whether the probe is now failed)."""
        line = None
        if result.summary != self.last:
            line = f"{self.name} {self.last or 'start'} → {result.summary}"
            self.last = result.summary
        if result.reachable and self.first_answer is None:
            self.first_answer = self.clock()
        self.ever_ok = self.ever_ok or result.ok
        self.timeouts = self.timeouts + 1 if result.summary == "timeout" else 0
        in_grace = not self.ever_ok and (self.first_answer is None
                                         or self.clock() - self.first_answer < self.startup_grace)
        if result.ok or not result.reachable or in_grace:
            self.failures = 0
        else:
            self.failures += 1
        return line, self.failures >= self.failure_threshold

    def wants_new_port_forward(self) -> bool:
        """True (once per NEW_FORWARD_INTERVAL) when the last WEDGED_AFTER requests all timed out."""
        now = self.clock()
        if self.timeouts < WEDGED_AFTER or (self.last_new_forward is not None
                                            and now - self.last_new_forward < NEW_FORWARD_INTERVAL):
            return False
        self.last_new_forward = now
        return True


def _log(msg: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {msg}", flush=True)


def watch(args: argparse.Namespace) -> int:
    watcher = Watcher(args.name, args.failure_threshold, args.startup_grace)
    while True:
        result = check(args.url, args.timeout)
        line, failed = watcher.observe(result)
        if line:
            _log(line)
        _renew_if_wedged(watcher, args)
        if failed:
            _log(f"PROBE FAILED: {args.name} {result.summary} ({watcher.failures} failures in a row); "
                 f"this resource turns green again when the endpoint recovers")
            if args.resource and os.environ.get("TILT_PORT"):
                _spawn_reviver(args)
            return 1
        time.sleep(args.period)


def _renew_if_wedged(watcher: Watcher, args: argparse.Namespace) -> None:
    """With --port-forward-of: ask Tilt for a new port-forward when the watcher's requests keep timing out."""
    if not (args.port_forward_of and watcher.wants_new_port_forward()):
        return
    renewed = port_forward.recreate(args.port_forward_of)
    _log(f"{args.name}: {watcher.timeouts} requests in a row timed out through the port-forward "
         f"(Tilt's port-forward can wedge, tilt-dev/tilt#4801): "
         + (f"asked Tilt for a new one ({', '.join(renewed)})" if renewed
            else f"Tilt has no port-forward of {args.port_forward_of} to renew"))


def _spawn_reviver(args: argparse.Namespace) -> None:
    cmd = [sys.executable, "-m", "scripts.tilt.probe_watch", "--revive", "--url", args.url, "--name", args.name,
           "--resource", args.resource, "--period", str(args.period), "--timeout", str(args.timeout),
           "--port-forward-of", args.port_forward_of]
    subprocess.Popen(cmd, start_new_session=True, stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _tilt_alive() -> bool:
    port = os.environ.get("TILT_PORT", "10350")
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/api/websocket_token", timeout=2).close()
        return True
    except urllib.error.HTTPError:
        return True  # it answered
    except OSError:
        return False


def revive(args: argparse.Namespace) -> int:
    """Wait for recovery, then restart the watcher through Tilt. Ends on its own when Tilt is gone.

    It keeps renewing a wedged port-forward as the watcher did: a forward that wedged again after the
    watcher's last renewal (a pod replaced meanwhile: a restore, a reset, a rebuild) would otherwise
    never carry the recovery this waits for."""
    watcher = Watcher(args.name, failure_threshold=1, startup_grace=0)
    gone_since = None
    while True:
        result = check(args.url, args.timeout)
        if result.ok:
            return subprocess.call(["tilt", "trigger", args.resource], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        watcher.observe(result)
        _renew_if_wedged(watcher, args)
        if _tilt_alive():
            gone_since = None
        elif gone_since is None:
            gone_since = time.monotonic()
        elif time.monotonic() - gone_since > 10:
            return 0
        time.sleep(args.period)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", required=True)
    p.add_argument("--name", default="probe", help="label used in log lines, e.g. 'backend /ready'")
    p.add_argument("--resource", default="", help="this watcher's Tilt resource (restarted on recovery)")
    p.add_argument("--period", type=float, default=2.0)
    p.add_argument("--timeout", type=float, default=3.0)
    p.add_argument("--failure-threshold", type=int, default=3)
    p.add_argument("--startup-grace", type=float, default=30.0,
                   help="seconds after the first answer during which failures do not count, until a success")
    p.add_argument("--port-forward-of", default="",
                   help="the Tilt resource whose port-forward carries --url: renewed when requests time out")
    p.add_argument("--revive", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    return revive(args) if args.revive else watch(args)


if __name__ == "__main__":
    sys.exit(main())
