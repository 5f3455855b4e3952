"""Time every live update of one service and print the result into that resource's dashboard log.

    python -m scripts.tilt.loop_monitor --resource backend --kind backend --url http://localhost:<port>/health

The Tiltfile starts one per service as a Tilt `Cmd` annotated with the resource, so what this prints
lands in the resource's own log. It follows two streams from the Tilt session it runs in (the Tilt
CLI finds it through the TILT_PORT that Tilt exports to its commands); scripts/tilt/loop_stats.py
does the arithmetic:
  - `tilt get uiresource NAME -w -o json`: the build records (when each update started and finished,
    to the microsecond) and the Ready condition;
  - `tilt logs -f NAME`: which files changed and whether Tilt live-updated or rebuilt the image
    (Tilt's build log), the backend dev server's `reloaded in …` line, next dev's request timings.
Plus the changed file's mtime on this machine (the save) and a request through the port-forward
once the new code is up (the first response). Tilt's HTTP proxy only serves dashboard buttons, so
its CLI is the way in.
It never fails the loop: an update it cannot time gets one line saying why, and it ends with Tilt.
"""
from __future__ import annotations

import argparse
import http.client
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
from dataclasses import dataclass
from pathlib import Path

from . import live_gate, loop_stats
from .loop_stats import Session, Timeline

RELOAD_WAIT = 5.0       # how long a backend update waits for the dev server's reload line
KIND_WAIT = 3.0         # how long to wait for Tilt's log to say live update or image build
PAGE_WAIT = 5.0         # how long a frontend update polls for the changed page
FIRST_COMPILE_WAIT = 120.0  # next dev compiling a route for the first time, on a busy machine
REQUEST_TIMEOUT = 10.0
SAVE_POLL = 0.05        # how often the frontend's save watcher looks at the synced files' mtimes
FAILED = object()       # _reload's answer when the dev server said the new code did not load


@dataclass(frozen=True)
class LogEvent:
    kind: str        # "changed" | "live" | "image" | "reload" | "reloading" | "failed" | "served" | "request"
    value: object    # files, Reload, the record's own timestamp, NextRequest
    at: float        # when it reached us


def classify(line: str) -> LogEvent | None:
    now = time.time()
    if (files := loop_stats.parse_changed_files(line)) is not None:
        return LogEvent("changed", files, now)
    if (kind := loop_stats.build_kind(line)) is not None:
        return LogEvent(kind, None, now)
    message, stamp = loop_stats.json_record(line)
    if (reload := loop_stats.parse_reload(message)) is not None:
        return LogEvent("reload", reload, now)
    if loop_stats.is_reload_start(message):
        return LogEvent("reloading", stamp, now)
    if loop_stats.is_reload_failure(message):
        return LogEvent("failed", stamp, now)
    if loop_stats.is_server_started(message):
        return LogEvent("served", stamp, now)
    if (req := loop_stats.parse_next_request(message)) is not None:
        return LogEvent("request", req, now)
    return None


class Stream(threading.Thread):
    """Runs a long-lived Tilt CLI command, feeding what it prints to `parse`; restarts it if it ends."""

    def __init__(self, args: list[str], parse):
        super().__init__(daemon=True)
        self.args, self.parse = args, parse
        self.ended = 0  # how many times the command ended (Tilt going away ends them)

    def run(self) -> None:
        while True:
            proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            self.parse(proc.stdout)
            proc.wait()
            self.ended += 1
            time.sleep(1)


def json_objects(lines):
    """The objects of a stream of concatenated JSON documents (`tilt get -w -o json` prints them so)."""
    decoder, buf = json.JSONDecoder(), ""
    for line in lines:
        buf += line
        while True:
            stripped = buf.lstrip()
            if not stripped:
                buf = ""
                break
            try:
                obj, end = decoder.raw_decode(stripped)
            except ValueError:
                buf = stripped
                break  # incomplete: read more
            yield obj
            buf = stripped[end:]


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
    def __init__(self, resource: str, kind: str, url: str, out=print, root: Path | None = None,
                 srcs: list[str] | None = None, untimed: list[str] | None = None):
        self.resource, self.kind, self.url, self.out = resource, kind, url, out
        self.srcs = srcs or []                  # the folders/files its live update syncs
        self.untimed = untimed or []            # of those, what no page renders (generated types): not timed
        self._baselined = ""                    # the update whose page before was fetched
        self.early: dict[str, tuple[float, bytes]] = {}  # route → (first new answer, markup), seen from the save
        self.early_done: dict[str, threading.Event] = {}  # route → set once the save watcher has its answer
        self._baseline_page: tuple[str, float, bytes] | None = None  # (route, received, markup)
        self.root = root or Path.cwd()  # Tilt logs changed paths relative to the Tiltfile's folder
        self.events: queue.Queue[LogEvent] = queue.Queue()
        self.session = Session()
        self.handled_finish: str | None = None  # the build record already dealt with
        self.started = False
        self.pages: dict[str, bytes] = {}       # route → markup last served (to see the new one)
        # Query tag on every page request of this monitor (it names them in next dev's log). One tag
        # for all: Next puts the request's URL, query included, into the page's HTML, so answers to
        # differently tagged requests always differ, and "the page changed" would mean nothing.
        self.last_tag = uuid.uuid4().hex[:8]
        self._pending: list[LogEvent] = []      # log events since the last build finished
        self._used: list[LogEvent] = []         # the ones the update being handled consumed

    def on_log(self, message: str) -> None:
        if (event := classify(message)) is not None:
            self.events.put(event)

    def _pull(self) -> None:
        while True:
            try:
                self._pending.append(self.events.get_nowait())
            except queue.Empty:
                break
        old = time.time() - 60  # next dev logs every request, probes included: keep a minute
        self._pending = [e for e in self._pending if e.at >= old]

    def _wait_for(self, kinds: set[str], timeout: float, after: float = 0.0) -> LogEvent | None:
        deadline = time.monotonic() + timeout
        while True:
            self._pull()
            found = [e for e in self._pending if e.kind in kinds and e.at >= after]
            if found or time.monotonic() >= deadline:
                return found[0] if found else None
            time.sleep(0.005)

    # -- one UIResource change ----------------------------------------------------------------
    def on_uiresource(self, obj: dict) -> None:
        status = obj.get("status", {})
        history = status.get("buildHistory") or []
        current = status.get("currentBuild") or {}
        if current.get("startTime") and self.handled_finish is not None and self.kind == "frontend":
            self._baseline(current["startTime"])
        if not history or not history[0].get("finishTime"):
            return
        latest = history[0]
        if self.handled_finish is None or latest["finishTime"] == self.handled_finish:
            # Builds before this monitor started are not ours to report, except the first deploy,
            # once: how long the resource took to come up.
            if self.handled_finish is None:
                self.handled_finish = latest["finishTime"]
                self._pull()
                self._pending.clear()
            self._report_start(status)
            return
        self.handled_finish = latest["finishTime"]
        cutoff, self._used = time.time(), []
        try:
            if not latest.get("error"):  # a failed update: Tilt shows why in this log already
                self._update(latest)
        finally:
            # Forget this update's lines; keep what arrived meanwhile (the next update may have
            # begun) and the servers' own lines, which can come late.
            self._pending = [e for e in self._pending if e not in self._used
                             and (e.at > cutoff or e.kind in ("reload", "request"))]
            self._used = []

    def newest_source(self) -> str | None:
        """The most recently saved file in the synced folders: the edit being synced right now.

        Tilt's log names the files too, but its lines reach `tilt logs` up to a second late, and the
        frontend's first response has to be asked for the moment the sync ends."""
        return self._newest()[0]

    def _newest(self) -> tuple[str | None, float]:
        """(path, mtime) of the newest save in the synced folders, outside the untimed ones."""
        return live_gate.newest(self._under_root(self.srcs), exclude=tuple(self._under_root(self.untimed)))

    def _under_root(self, rels: list[str]) -> list[Path]:
        return [self.root / r for r in rels]

    def type_only_update(self) -> bool:
        """The newest save is in a folder no page renders (the generated API types)."""
        if not self.untimed:
            return False
        timed = self._newest()[1]
        return live_gate.newest(self._under_root(self.untimed))[1] > timed

    def _route(self) -> str:
        newest = self.newest_source()
        return loop_stats.page_route(newest) if newest else "/"

    def _baseline(self, build_started: str) -> None:
        """The page as served before this update's files land (once per update): the sign that the
        new code is up is a different page."""
        if self._baselined == build_started:
            return
        self._baselined = build_started
        self._baseline_page = None
        route = self._route()

        def fetch() -> None:  # in the background: the sync's end must be seen the moment it comes
            try:
                received, markup = self._page(route)
            except OSError:
                return
            self._baseline_page = (route, received, markup)
        threading.Thread(target=fetch, daemon=True).start()

    def watch_saves(self, stop: threading.Event | None = None) -> None:
        """Frontend: from each save on, ask for its page until the page changes (what an outside
        probe does), so the first new answer is timed from when it came, not from when Tilt's watch
        stream got round to reporting the update (up to a second later: that made the figure up to
        1.5 s worse than the probe's). Runs in its own thread for the monitor's life."""
        last = self._newest()[1]
        while not (stop and stop.is_set()):
            time.sleep(SAVE_POLL)
            mtime = self._newest()[1]
            if mtime <= last:
                continue
            last = mtime
            route = self._route()
            done = self.early_done[route] = threading.Event()
            try:
                # The page as served right now is the old code's: Tilt has not even started the
                # update (its watcher debounces 200 ms). Not the page the last update ended with:
                # that update may still be waiting to be reported.
                _, before = self._page(route)
                answered, markup = self._poll_until_changed(route, before)
                if markup != before:
                    self.early[route] = (answered, markup)
            except (OSError, http.client.HTTPException):
                continue
            finally:
                done.set()

    def _page_url(self, route: str) -> str:
        return f"{self.url}{route}?loop-stats={self.last_tag}"

    def _page(self, route: str) -> tuple[float, bytes]:
        """(when the answer came, its markup): pages are compared by what they show (page_markup)."""
        received, _, body = request(self._page_url(route))
        return received, loop_stats.page_markup(body)

    def _poll_until_changed(self, route: str, before: bytes) -> tuple[float, bytes]:
        """The first answer whose markup differs from `before` (or the last one, after PAGE_WAIT):
        the moment the new code shows, as an outside probe looking for the edit's text sees it."""
        deadline = time.monotonic() + PAGE_WAIT
        while True:
            answered, markup = self._page(route)
            if markup != before or time.monotonic() > deadline:
                return answered, markup
            time.sleep(0.02)

    def _update(self, build: dict) -> None:
        started, synced = loop_stats.parse_time(build["startTime"]), loop_stats.parse_time(build["finishTime"])
        if self.kind == "frontend" and self.type_only_update():
            # api-contract rewrote the generated types: no page changes, so there is nothing to time
            # (and asking for the page until it changes would only load next dev for seconds).
            self.out(f"live update of the generated API types synced in {synced - started:.2f} s "
                     "(type-only: no page changes, nothing to time)")
            return
        if self.kind == "frontend":
            # Straight away: the first answer after the sync is what this measures. (Should Tilt's
            # log then say it was an image build, the answer is simply not reported.)
            route = self._route()
            base = self._baseline_page
            if base and base[0] == route and base[1] < synced:  # fetched before the new files landed
                self.pages[route] = base[2]
            if (pending := self.early_done.get(route)) is not None:
                pending.wait(PAGE_WAIT + 1)  # the save watcher is still asking
            early = self.early.pop(route, None)
            if early and early[0] > started:  # the save watcher saw this update's new page
                answered, changed_page = early[0], True
                self.pages[route] = early[1]
            else:
                answered, changed_page = self._new_page(route)
        self._pull()
        how = self._wait_for({"live", "image"}, KIND_WAIT)
        self._wait_for({"changed"}, 0.5)
        changed = [e for e in self._pending if e.kind == "changed"][-1:]
        self._used += [e for e in self._pending if e.kind in ("live", "image")] + changed
        if how is None or how.kind != "live" or any(e.kind == "image" for e in self._pending):
            return  # an image build + deploy, not a live update
        files = [str(self.root / f) for f in (changed[-1].value if changed else [])]
        mtimes = [os.stat(f).st_mtime for f in files if os.path.exists(f)]
        if not mtimes:
            self.out("live update not timed: Tilt's log named no changed file that still exists")
            return
        saved = max(mtimes)
        shown = [os.path.relpath(f, self.root) for f in files]
        if self.kind == "frontend":
            render_s = self._render_of(route)
            # Tilt records the update's end after its own bookkeeping: the new page can come first.
            t = Timeline(saved=saved, started=started, synced=min(synced, answered), answered=answered,
                         render_s=render_s)
            if not changed_page:
                # A file no page renders differently (a type-only module, a style the HTML does not
                # carry): there is no new answer to time, and a wait is no save → live figure.
                self.out(f"live update of {', '.join(sorted({Path(f).name for f in shown})[:3])} synced in "
                         f"{synced - saved:.2f} s; the page's HTML did not change, so nothing to time "
                         f"(not in the session's figures)")
                return
            self._print(t, shown)
            return
        reload = self._reload(started)
        if reload is FAILED:
            # Not live: the new code did not import or start. The dev server's error is the line
            # above; a figure here would only measure how long this monitor waited.
            self.out(f"not live: the dev server could not load the new code of {', '.join(shown)} "
                     "(its error is above; the previous code keeps serving, and the next save retries)")
            return
        if reload is None:
            answered = request(self.url)[0]
            self._print(Timeline(saved=saved, started=started, synced=synced, answered=answered), shown,
                        note="the dev server reported no reload")
            return
        sent = time.time()
        received, _, _ = request(self.url)
        # The first answer of the new code: its ready time plus one round trip through the
        # port-forward (this request goes out when the line reaches us, a little later).
        self._print(Timeline(saved=saved, started=started, synced=synced, answered=reload.ready + (received - sent),
                             ready=reload.ready, server_saw=reload.seen), shown)

    def _reload(self, started: float) -> loop_stats.Reload | object | None:
        """The dev server's reload for the update that started at `started`.

        Its `reloaded in …` line when it prints one; otherwise its own log records' timestamps:
        `changes in …: reloading` (saw the change) → uvicorn's `Application startup complete.`
        (the new worker serves). Lines of an earlier update, arriving late, are skipped: files
        reach the container after Tilt started the update (one clock: the cluster's containers
        share this machine's)."""
        deadline = time.monotonic() + RELOAD_WAIT
        seen = None
        while True:
            left = max(0.0, deadline - time.monotonic())
            event = self._wait_for({"reload", "reloading", "served", "failed"}, left)
            if event is None:
                return None
            self._pending.remove(event)
            self._used.append(event)
            if event.kind == "failed" and event.at >= started:
                return FAILED
            if event.kind == "reload" and event.value.ready >= started - 0.05:
                return event.value
            stamp = event.value if event.kind != "reload" else None
            if event.kind == "reloading" and stamp is not None and stamp >= started - 0.05:
                seen = stamp
            elif event.kind == "served" and seen is not None and stamp is not None and stamp >= seen:
                # A server that also prints `reloaded in …` gets a moment to say it.
                if (late := self._wait_for({"reload"}, 0.2)) is not None and late.value.ready >= started - 0.05:
                    self._pending.remove(late)
                    return late.value
                return loop_stats.Reload(stamp - seen, (), seen, seen, stamp)

    def _new_page(self, route: str) -> tuple[float, bool]:
        """(when the first answer with the new page arrived, whether it differs from the last one)."""
        before = self.pages.get(route)
        deadline, give_up = time.monotonic() + PAGE_WAIT, time.monotonic() + FIRST_COMPILE_WAIT
        while True:
            try:
                answered, markup = self._page(route)
            except OSError:  # a first compile under load can outlast one request's timeout
                if time.monotonic() > give_up:
                    raise
                deadline = time.monotonic() + PAGE_WAIT
                continue
            if before is None or markup != before or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        self.pages[route] = markup
        return answered, before is None or markup != before

    def _render_of(self, route: str) -> float | None:
        """next dev's render time for our request (its request log line), when it printed one."""
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            self._pull()
            reqs = [e.value for e in self._pending if e.kind == "request"]
            ours = [r for r in reqs if self.last_tag in r.path] or [r for r in reqs if r.path == route]
            if ours and ours[-1].render_ms is not None:
                return ours[-1].render_ms / 1000
            time.sleep(0.01)
        return None

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
        # The condition's time has whole seconds only; never report less than the build itself.
        ready_at = max(built, loop_stats.parse_time(ready["lastTransitionTime"])) if ready.get(
            "lastTransitionTime") else built
        self.out(f"up in {ready_at - start:.1f} s: image build + deploy {built - start:.1f}"
                 f"{loop_stats.SEP}pod ready {ready_at - built:.1f} (live updates are timed from here on)")

    def _print(self, t: Timeline, files: list[str], note: str = "") -> None:
        try:
            line = loop_stats.live_line(self.kind, t, files, self.session)
        except loop_stats.ClockSkew as err:
            self.out(f"live update not split into stages: {err}")
            return
        self.out(line + (f" [{note}]" if note else ""))


def run(args: argparse.Namespace) -> int:
    port = os.environ.get("TILT_PORT", "10350")
    monitor = Monitor(args.resource, args.kind, args.url, out=lambda line: print(line, flush=True), srcs=args.src,
                      untimed=args.untimed)
    objects: queue.Queue[dict] = queue.Queue()

    def follow_logs(lines):
        for raw in lines:
            try:
                monitor.on_log(json.loads(raw).get("message", ""))
            except ValueError:
                continue

    def follow_resource(lines):
        for obj in json_objects(lines):
            objects.put(obj)

    logs = Stream(["tilt", "logs", "-f", "--json", "--tail=0", "--port", port, args.resource], follow_logs)
    watch = Stream(["tilt", "get", "uiresource", args.resource, "-w", "-o", "json", "--port", port],
                   follow_resource)
    logs.start()
    watch.start()
    if args.kind == "frontend":
        threading.Thread(target=monitor.watch_saves, daemon=True).start()
    while watch.ended < 30:  # the API answers again within seconds after a Tiltfile reload
        try:
            obj = objects.get(timeout=1)
        except queue.Empty:
            continue
        try:
            monitor.on_uiresource(obj)
        except (OSError, ValueError, KeyError) as err:  # one update, not the monitor
            print(f"live update not timed: {type(err).__name__}: {err}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--resource", required=True, help="the Tilt resource to time (and print into)")
    p.add_argument("--kind", choices=("backend", "frontend"), required=True)
    p.add_argument("--url", required=True, help="backend: an endpoint to answer; frontend: the base URL")
    p.add_argument("--src", action="append", default=[], help="a folder or file its live update syncs")
    p.add_argument("--untimed", action="append", default=[], help="a synced folder no page renders (not timed)")
    args = p.parse_args(argv)
    try:
        return run(args)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
