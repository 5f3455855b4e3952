"""Time every live update of one service and print the result into that resource's dashboard log.

    python -m scripts.tilt.loop_monitor --resource backend --kind backend --url http://localhost:8000/health

The Tiltfile starts one per service as a Tilt `Cmd` annotated with the resource, so what this prints
lands in the resource's own log. It reads (scripts/tilt/loop_stats.py does the arithmetic):
  - Tilt's API (the port Tilt exports as TILT_PORT): the UIResource's build records (live update
    start/finish), the LiveUpdate's last synced file event, the FileWatch's events (which files, when
    Tilt saw them), watched as a stream so nothing is polled;
  - the resource's log (`tilt logs -f`): the backend dev server's `reloaded in …` line, next dev's
    per-request timing line;
  - the file's mtime on this machine (the save), and one request through the port-forward after the
    new code is up (the first response).
It never fails the loop: an update it cannot time gets one line saying why, and it exits quietly
when Tilt goes away.
"""
from __future__ import annotations

import argparse
import json
import os
import queue
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from . import loop_stats
from .loop_stats import NextRequest, Reload, Session, Timeline

API = "/proxy/apis/tilt.dev/v1alpha1"
RELOAD_WAIT = 5.0       # how long a backend update waits for the dev server's reload line
PAGE_WAIT = 5.0         # how long a frontend update polls for the changed page
REQUEST_TIMEOUT = 10.0


class TiltApi:
    def __init__(self, port: int, host: str = "localhost"):
        self.base = f"http://{host}:{port}{API}"

    def get(self, kind: str, name: str = "") -> dict:
        url = f"{self.base}/{kind}" + (f"/{name}" if name else "")
        with urllib.request.urlopen(url, timeout=5) as r:
            return json.loads(r.read())

    def watch(self, kind: str):
        """(event type, object) for every change of `kind`, starting with the current objects."""
        with urllib.request.urlopen(f"{self.base}/{kind}?watch=true", timeout=3600) as r:
            for raw in r:
                if raw.strip():
                    event = json.loads(raw)
                    yield event.get("type"), event.get("object") or {}

    def alive(self) -> bool:
        try:
            self.get("sessions")
            return True
        except (OSError, ValueError):
            return False


class LogTail(threading.Thread):
    """Follows `tilt logs -f` for one resource and queues the lines this monitor cares about."""

    def __init__(self, resource: str, port: int):
        super().__init__(daemon=True)
        self.resource, self.port = resource, port
        self.reloads: queue.Queue[Reload] = queue.Queue()
        self.requests: queue.Queue[NextRequest] = queue.Queue()

    def run(self) -> None:
        while True:
            proc = subprocess.Popen(["tilt", "logs", "-f", "--json", "--tail=0", "--port", str(self.port),
                                     self.resource], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            for raw in proc.stdout:
                try:
                    message = json.loads(raw).get("message", "")
                except ValueError:
                    continue
                if (reload := loop_stats.parse_reload(message)) is not None:
                    self.reloads.put(reload)
                elif (req := loop_stats.parse_next_request(message)) is not None:
                    self.requests.put(req)
            proc.wait()
            time.sleep(1)  # Tilt restarting its API, or gone: the main loop decides to exit


def _drain(q: queue.Queue) -> list:
    out = []
    while True:
        try:
            out.append(q.get_nowait())
        except queue.Empty:
            return out


def request(url: str) -> tuple[float, int, bytes]:
    """GET without following redirects; returns (receive time, status, body)."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=REQUEST_TIMEOUT) as r:
            body, status = r.read(), r.status
    except urllib.error.HTTPError as err:
        body, status = err.read(), err.code
    return time.time(), status, body


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a redirect is an answer too: time it, don't follow it
        return None


class Monitor:
    def __init__(self, api: TiltApi, resource: str, kind: str, url: str, logs: LogTail, out=print):
        self.api, self.resource, self.kind, self.url, self.logs = api, resource, kind, url, logs
        self.out = out
        self.session = Session()
        self.handled_finish: str | None = None  # the build record already reported
        self.synced_seen: str | None = None     # LiveUpdate's lastFileTimeSynced already reported
        self.pages: dict[str, bytes] = {}       # route → last body served (to see the new one)
        self.started = False
        self.last_tag = ""  # the query tag of the latest page request (it names ours in next dev's log)

    # -- Tilt objects -------------------------------------------------------------------------
    def live_update(self) -> dict | None:
        for lu in self.api.get("liveupdates").get("items", []):
            if lu.get("metadata", {}).get("annotations", {}).get("tilt.dev/resource") == self.resource:
                return lu
        return None

    def file_events(self, lu: dict, after: str | None, upto: str) -> list[dict]:
        sources = lu.get("spec", {}).get("sources") or []
        names = [s["fileWatch"] for s in sources if s.get("fileWatch")]
        events = []
        for name in names:
            fw = self.api.get("filewatches", name)
            events += fw.get("status", {}).get("fileEvents") or []
        lo = loop_stats.parse_time(after) if after else float("-inf")
        hi = loop_stats.parse_time(upto)
        return sorted((e for e in events if lo < loop_stats.parse_time(e["time"]) <= hi + 1e-6),
                      key=lambda e: e["time"])

    # -- one UIResource change ----------------------------------------------------------------
    def on_uiresource(self, obj: dict) -> None:
        status = obj.get("status", {})
        history = status.get("buildHistory") or []
        if not history or not history[0].get("finishTime"):
            return
        latest = history[0]
        if self.handled_finish is None:
            # Whatever happened before this monitor started is not ours to report, except the
            # first deploy, once: how long the resource took to come up.
            self.handled_finish = latest["finishTime"]
            lu = self.live_update()
            self.synced_seen = _last_synced(lu) if lu else None
            self._report_start(status)
            return
        if latest["finishTime"] == self.handled_finish:
            self._report_start(status)
            return
        self.handled_finish = latest["finishTime"]
        if latest.get("error"):
            return  # Tilt shows the failed update in this log already
        lu = self.live_update()
        last_synced = _last_synced(lu) if lu else None
        if not last_synced or last_synced == self.synced_seen:
            return  # a full image build + deploy, not a live update
        previous, self.synced_seen = self.synced_seen, last_synced
        if self.kind == "frontend":
            self._frontend(latest, lu, previous, last_synced)
        else:
            self._backend(latest, lu, previous, last_synced)

    def _report_start(self, status: dict) -> None:
        if self.started:
            return
        ready = {c.get("type"): c for c in status.get("conditions") or []}.get("Ready", {})
        history = status.get("buildHistory") or []
        if ready.get("status") != "True" or not history:
            return
        self.started = True
        first = history[-1]
        start, built = loop_stats.parse_time(first["startTime"]), loop_stats.parse_time(first["finishTime"])
        ready_at = loop_stats.parse_time(ready["lastTransitionTime"]) if ready.get("lastTransitionTime") else built
        self.out(f"up in {max(ready_at, built) - start:.1f} s: image build + deploy {built - start:.1f}"
                 f"{loop_stats.SEP}pod ready {max(0.0, ready_at - built):.1f} (live updates are timed from here on)")

    def _files(self, lu: dict, previous: str | None, last_synced: str) -> tuple[list[str], float, float]:
        events = self.file_events(lu, previous, last_synced)
        if not events:
            raise LookupError("Tilt kept no file event for it")
        files = [f for e in events for f in e.get("seenFiles") or []]
        mtimes = [os.stat(f).st_mtime for f in files if os.path.exists(f)]
        if not mtimes:
            raise LookupError("the changed files are gone (deleted or renamed)")
        return files, max(mtimes), loop_stats.parse_time(events[-1]["time"])

    def _backend(self, build: dict, lu: dict, previous: str | None, last_synced: str) -> None:
        try:
            files, saved, tilt_saw = self._files(lu, previous, last_synced)
        except LookupError as err:
            self.out(f"live update not timed: {err}")
            return
        synced = loop_stats.parse_time(build["finishTime"])
        # Files reach the container after Tilt saw them, so its reload is ready after that (same clock).
        reload = self._reload_after(tilt_saw - 0.05)
        if reload is None:
            answered, _, _ = request(self.url)
            t = Timeline(saved=saved, tilt_saw=tilt_saw, synced=synced, answered=answered)
        else:
            sent = time.time()
            received, _, _ = request(self.url)
            # The first answer of the new code: the reload's ready time plus one round trip
            # through the port-forward (the request is sent when the line reaches us, later).
            t = Timeline(saved=saved, tilt_saw=tilt_saw, synced=synced, answered=reload.ready + (received - sent),
                         ready=reload.ready, server_saw=reload.seen)
        self._print(t, files)

    def _reload_after(self, since: float) -> Reload | None:
        deadline = time.monotonic() + RELOAD_WAIT
        while time.monotonic() < deadline:
            for reload in _drain(self.logs.reloads):
                if reload.ready >= since:
                    return reload
            time.sleep(0.01)
        return None

    def _frontend(self, build: dict, lu: dict, previous: str | None, last_synced: str) -> None:
        try:
            files, saved, tilt_saw = self._files(lu, previous, last_synced)
        except LookupError as err:
            self.out(f"live update not timed: {err}")
            return
        route = loop_stats.page_route(next((f for f in files if "/src/app/" in f), files[0]))
        _drain(self.logs.requests)
        before = self.pages.get(route)
        deadline = time.monotonic() + PAGE_WAIT
        tag = self.last_tag = uuid.uuid4().hex[:8]
        while True:
            answered, _, body = request(f"{self.url}{route}?loop-stats={tag}")
            if before is None or body != before or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        self.pages[route] = body
        compile_s = self._compile_of(route, tag)
        t = Timeline(saved=saved, tilt_saw=tilt_saw, synced=loop_stats.parse_time(build["finishTime"]),
                     answered=answered, compile_s=compile_s)
        self._print(t, files, note="" if body != before or before is None else "page HTML unchanged")

    def _compile_of(self, route: str, tag: str) -> float | None:
        """next dev's compile time for our requests (its request log line), when it printed one."""
        deadline = time.monotonic() + 1.0
        ours, same_route = [], []
        while time.monotonic() < deadline and not ours:
            for req in _drain(self.logs.requests):
                if tag in req.path:
                    ours.append(req.compile_ms or 0.0)
                elif req.path.split("?")[0] == route:  # a next dev that logs the path without the query
                    same_route.append(req.compile_ms or 0.0)
            time.sleep(0.01)
        found = ours or same_route
        return max(found) / 1000 if found else None

    def _print(self, t: Timeline, files: list[str], note: str = "") -> None:
        try:
            line = loop_stats.live_line(self.kind, t, [_short(f) for f in files], self.session)
        except loop_stats.ClockSkew as err:
            self.out(f"live update not split into stages: {err}")
            return
        self.out(line + (f" [{note}]" if note else ""))


def _last_synced(lu: dict) -> str | None:
    times = [c.get("lastFileTimeSynced") for c in (lu.get("status", {}).get("containers") or [])]
    times = [x for x in times if x]
    return max(times) if times else None


def _short(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return path


def run(args: argparse.Namespace) -> int:
    port = int(os.environ.get("TILT_PORT", "10350"))
    api = TiltApi(port)
    logs = LogTail(args.resource, port)
    logs.start()
    monitor = Monitor(api, args.resource, args.kind, args.url, logs,
                      out=lambda line: print(line, flush=True))
    failures = 0
    while True:
        try:
            for kind, obj in api.watch("uiresources"):
                failures = 0
                if kind in ("ADDED", "MODIFIED") and obj.get("metadata", {}).get("name") == args.resource:
                    try:
                        monitor.on_uiresource(obj)
                    except (OSError, ValueError, KeyError) as err:  # one update, not the monitor
                        print(f"live update not timed: {type(err).__name__}: {err}", flush=True)
        except (OSError, ValueError):
            pass
        failures += 1
        if failures > 30 and not api.alive():
            return 0  # Tilt is gone
        time.sleep(0.5)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--resource", required=True, help="the Tilt resource to time (and print into)")
    p.add_argument("--kind", choices=("backend", "frontend"), required=True)
    p.add_argument("--url", required=True, help="backend: an endpoint to answer; frontend: the base URL")
    args = p.parse_args(argv)
    try:
        return run(args)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
