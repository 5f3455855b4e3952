"""Save → live telemetry for the inner loop: the numbers, their stages and the line the dashboard shows.

For every live update of `backend` and `frontend` the loop monitor (scripts/tilt/loop_monitor.py,
one process per service, started by the Tiltfile) collects timestamps on one clock — this machine's
wall clock, which the cluster's containers share — and this module turns them into

    live in 0.48 s: watch 0.21 · sync 0.12 · reload 0.11 · first response 0.04 (health.py; session p50 0.47 s · p95 0.61 s over 7)

Stages, each from the end of the previous one:
  watch           file saved (its mtime on the host) → Tilt starts the live update (its watcher's 200 ms
                  debounce and queue)
  sync            → the files are in the container (tar over `kubectl exec`; for the backend, until the dev
                    server saw the change if that came first)
  reload          backend: → the dev server serves the new code (its `reloaded in …` line)
  recompile       frontend: → next dev starts rendering the new page (Turbopack noticing and compiling)
  first response  → the first answer through the port-forward (frontend: next dev's own render figure
                    from its `GET … (…, application-code: N ms)` line)

Everything here is pure (parsing, arithmetic, formatting) so it is unit-tested without a cluster.
The mtime comes from the host file, not the container: Tilt's tar sync rounds mtimes to the second
(Go's archive/tar writes USTAR headers unless told otherwise).
"""
from __future__ import annotations

import dataclasses
import json
import re
from datetime import datetime
from pathlib import PurePosixPath

from scripts.checks import contract
from scripts.tilt import tiltfile

# The backend dev server's line after each successful reload (contract with backend/devserver/):
#   reloaded in 0.112 s (changed: app/api/routes/health.py; mtime=1764619234.123 seen=1764619234.345 ready=1764619234.457)
# It may arrive inside a JSON log record, so it is searched for, not anchored.
_NUM = r"\d+(?:\.\d+)?"
RELOAD_RE = re.compile(rf"reloaded in (?P<seconds>{_NUM}) s \(changed: (?P<changed>[^;)]*); "
                       rf"mtime=(?P<mtime>{_NUM}) seen=(?P<seen>{_NUM}) ready=(?P<ready>{_NUM})\)")
# The dev server's line when it starts a reload (today's backend/devserver/; no times in it).
RELOADING_RE = re.compile(r"changes in .+: reloading")
# The dev server's line when the new code does not import or start (the old code keeps serving).
RELOAD_FAILED_RE = re.compile(r"reload failed: .+; still serving the previous code")
# next dev (16.x) logs every request with its split: 16.0 ` GET /login 200 in 626ms (compile: 500ms,
# render: 125ms)`, 16.4 ` GET /login 200 in 23ms (next.js: 14ms, application-code: 9ms)`, where
# `next.js` is the framework's share (routing and Turbopack compiling) and the rest is rendering.
NEXT_REQUEST_RE = re.compile(rf"\b(?P<method>GET|HEAD) (?P<path>\S+) (?P<status>\d{{3}}) in (?P<total>{_NUM})(?P<unit>ms|s)"
                             rf"(?: \((?P<parts>[^)]*)\))?")
ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# Tilt's own build log (internal/store/buildcontrols/log.go, internal/controllers/core/liveupdate):
#   `1 File Changed: [backend/app/api/routes/health.py]` when an update starts (paths relative to the
#   Tiltfile's folder, at most a handful, then `...`); `Will copy 1 file(s) to container: …` during a
#   live update; `Building Dockerfile…` when it falls back to an image build.
CHANGED_RE = re.compile(r"^\d+ Files? Changed: \[(?P<files>.*)\]\s*$")
LIVE_UPDATE_RE = re.compile(r"^Will copy \d+ file\(s\) to container")
IMAGE_BUILD_RE = re.compile(r"^Building Dockerfile")
LIVE_RE = re.compile(rf"live in (?P<total>{_NUM}) s: (?P<stages>[^(]*?)\s*(?:\(|$)")
STAGE_RE = re.compile(rf"(?P<name>[a-z][a-z +]*?) (?P<secs>-?{_NUM})")
SEP = " · "


@dataclasses.dataclass(frozen=True)
class Reload:
    seconds: float
    changed: tuple[str, ...]
    mtime: float
    seen: float
    ready: float


def parse_reload(line: str) -> Reload | None:
    m = RELOAD_RE.search(line)
    if not m:
        return None
    changed = tuple(p.strip() for p in m["changed"].split(",") if p.strip())
    return Reload(float(m["seconds"]), changed, float(m["mtime"]), float(m["seen"]), float(m["ready"]))


@dataclasses.dataclass(frozen=True)
class NextRequest:
    path: str
    status: int
    total_ms: float
    compile_ms: float | None
    render_ms: float | None


def _ms(text: str) -> float | None:
    m = re.fullmatch(rf"\s*({_NUM})(ms|s)\s*", text)
    if not m:
        return None
    return float(m[1]) * (1000 if m[2] == "s" else 1)


def parse_next_request(line: str) -> NextRequest | None:
    m = NEXT_REQUEST_RE.search(ANSI_RE.sub("", line))
    if not m:
        return None
    parts = {}
    for part in (m["parts"] or "").split(","):
        key, _, value = part.partition(":")
        parts[key.strip()] = _ms(value)
    total = float(m["total"]) * (1000 if m["unit"] == "s" else 1)
    compile_ms = parts.get("compile", parts.get("next.js"))
    render_ms = parts.get("render", parts.get("application-code"))
    return NextRequest(m["path"], int(m["status"]), total, compile_ms, render_ms)


def parse_changed_files(message: str) -> list[str] | None:
    m = CHANGED_RE.match(ANSI_RE.sub("", message).strip())
    if not m:
        return None
    return [f for f in m["files"].split(" ") if f and f != "..."]


def is_reload_start(message: str) -> bool:
    return RELOADING_RE.search(message) is not None


def is_reload_failure(message: str) -> bool:
    return RELOAD_FAILED_RE.search(message) is not None


def is_server_started(message: str) -> bool:
    """uvicorn's line once a (new) worker serves: the end of a reload for a dev server without the
    `reloaded in` line."""
    return message.strip() == "Application startup complete."


def json_record(line: str) -> tuple[str, float | None]:
    """(message, its own timestamp) of one of the backend's JSON log records; (line, None) otherwise.

    The record's `timestamp` is written in the container, to the millisecond, when the event
    happened, so it times the dev server's steps better than when the line reaches Tilt."""
    text = line.strip()
    if not text.startswith("{"):
        return line, None
    try:
        record = json.loads(text)
    except ValueError:
        return line, None
    if not isinstance(record, dict) or not isinstance(record.get("message"), str):
        return line, None
    stamp = record.get("timestamp")
    try:
        return record["message"], parse_time(stamp) if isinstance(stamp, str) else None
    except ValueError:
        return record["message"], None


def build_kind(message: str) -> str | None:
    """'live' or 'image' for the lines that tell how Tilt is updating a resource, else None."""
    text = ANSI_RE.sub("", message).strip()
    if LIVE_UPDATE_RE.match(text):
        return "live"
    if IMAGE_BUILD_RE.match(text):
        return "image"
    return None


def parse_time(stamp: str) -> float:
    """Tilt API timestamps (RFC 3339, microseconds, `Z`) → Unix seconds."""
    return datetime.fromisoformat(stamp).timestamp()  # Python ≥ 3.11 reads the `Z`


@dataclasses.dataclass(frozen=True)
class Timeline:
    """One live update, every field a Unix time on the host clock (None: not reported)."""
    saved: float          # newest mtime of the files in the update
    started: float       # Tilt started the live update (after its watcher's 200 ms debounce)
    synced: float         # the live update finished (Tilt's build record)
    answered: float       # first response with the new code, through the port-forward
    ready: float | None = None       # backend: new code serving (dev server's reload line)
    server_saw: float | None = None  # backend: the dev server's watcher saw the change
    render_s: float | None = None    # frontend: next dev rendering the first new response (its own figure)


class ClockSkew(ValueError):
    """The dev server's times do not fit Tilt's (a cluster in a VM with its own clock)."""


def stages(kind: str, t: Timeline) -> list[tuple[str, float]]:
    """The stages in order; they add up to answered − saved."""
    out = [("watch", t.started - t.saved)]
    if kind == "backend" and t.ready is not None:
        # A container clock that disagrees with the host's by more than the slack makes the split
        # meaningless: report it instead of printing negative stages.
        slack = 0.05
        if not (t.started - slack <= t.ready <= t.answered + slack):
            raise ClockSkew(f"dev server ready={t.ready:.3f} outside Tilt's [{t.started:.3f}, {t.answered:.3f}]")
        in_container = min(t.synced, t.server_saw) if t.server_saw is not None else t.synced
        in_container = max(in_container, t.started)
        ready = max(t.ready, in_container)
        out += [("sync", in_container - t.started), ("reload", ready - in_container),
                ("first response", t.answered - ready)]
    elif kind == "backend":
        out += [("sync", t.synced - t.started), ("reload + first response", t.answered - t.synced)]
    elif t.render_s is not None:
        # Everything before next dev starts rendering the page is getting the new code ready:
        # Turbopack noticing the files and compiling (the request waits for it).
        rest = t.answered - t.synced
        render = min(t.render_s, rest)
        out += [("sync", t.synced - t.started), ("recompile", rest - render), ("first response", render)]
    else:
        out += [("sync", t.synced - t.started), ("recompile + first response", t.answered - t.synced)]
    return out


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (the one the benchmark uses too)."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Session:
    """Save → live figures of one `tilt up` session for one resource."""

    def __init__(self) -> None:
        self.totals: list[float] = []

    def add(self, seconds: float) -> None:
        self.totals.append(seconds)

    def summary(self) -> str:
        n = len(self.totals)
        if not n:
            return "no live updates yet"
        return (f"session p50 {percentile(self.totals, 50):.2f} s{SEP}p95 {percentile(self.totals, 95):.2f} s "
                f"over {n} save{'s' if n != 1 else ''}")


def live_line(kind: str, t: Timeline, files: list[str], session: Session) -> str:
    """The dashboard line; adds the update to the session first, so the summary includes it."""
    parts = stages(kind, t)
    total = t.answered - t.saved
    session.add(total)
    names = ", ".join(sorted({PurePosixPath(f).name for f in files})[:3]) or "?"
    if len(set(files)) > 3:
        names += f" +{len(set(files)) - 3}"
    body = SEP.join(f"{name} {secs:.2f}" for name, secs in parts)
    return f"live in {total:.2f} s: {body} ({names}; {session.summary()})"


def parse_live_line(line: str) -> tuple[float, dict[str, float]] | None:
    """The total and stages back out of a dashboard line (the benchmark and the e2e test read them)."""
    m = LIVE_RE.search(line)
    if not m:
        return None
    found = {s["name"].strip(): float(s["secs"]) for s in map(STAGE_RE.fullmatch, m["stages"].split(SEP)) if s}
    return float(m["total"]), found


SCRIPT_RE = re.compile(rb"<script\b[^>]*>.*?</script>", re.S | re.I)


def page_markup(body: bytes) -> bytes:
    """A page's HTML without its scripts: what tells one version of the page from the next.

    next dev (16.4) writes a fresh random id into an inline script of every answer
    (`self.__next_r="…"`), so two whole answers always differ, even for the same code; the markup
    (the rendered page a person sees) changes exactly when an edit's rendering does, and its RSC
    payload (scripts) with it."""
    return SCRIPT_RE.sub(b"", body)


def page_route(path: str, app_dir: str = "frontend/src/app") -> str:
    """The URL a frontend edit is visible at: the App Router page it belongs to, else `/`.

    `src/app/login/page.tsx` → `/login`; route groups `(x)` vanish; a dynamic segment (`[id]`) or a
    file that is not a page (components, layouts, CSS) falls back to `/`, which shares the layout."""
    p = PurePosixPath(path)
    try:
        rel = p.relative_to(app_dir) if not p.is_absolute() else _after(p, PurePosixPath(app_dir))
    except ValueError:
        return "/"
    if rel.stem != "page" or rel.suffix not in (".tsx", ".ts", ".jsx", ".js", ".mdx"):
        return "/"
    segments = [s for s in rel.parent.parts if not (s.startswith("(") and s.endswith(")"))]
    if any(s.startswith(("[", "@", "_")) for s in segments):
        return "/"
    return "/" + "/".join(segments)


def _after(path: PurePosixPath, marker: PurePosixPath) -> PurePosixPath:
    """The part of an absolute path after the `marker` folders (`/tmp/x/frontend/src/app/a/page.tsx`)."""
    parts, want = path.parts, marker.parts
    for i in range(len(parts) - len(want), -1, -1):
        if parts[i:i + len(want)] == want:
            return PurePosixPath(*parts[i + len(want):]) if len(parts) > i + len(want) else PurePosixPath(".")
    raise ValueError(f"{path} is not under {marker}")


def monitors(services: list[str], backend_port: int, frontend_port: int) -> list[dict]:
    """What the Tiltfile starts: one monitor per live-updated service (none in prod mode), printing
    into its log and watching what its live update syncs (the Tiltfile's sync rules)."""
    urls = {"backend": f"http://localhost:{backend_port}/health", "frontend": f"http://localhost:{frontend_port}"}
    synced = tiltfile.synced_sources()
    out = []
    for service in services:
        if service not in urls or not synced.get(service):
            continue  # a service without a dev server to time, or without live update
        srcs = [arg for src in synced[service] for arg in ("--src", src)]
        # The generated API types change no page: the frontend's monitor does not time their sync.
        untimed = ["--untimed", contract.TYPES_DIR] if service == "frontend" else []
        out.append({"resource": service, "args": ["--resource", service, "--kind", service, "--url", urls[service],
                                                  *srcs, *untimed]})
    return out
