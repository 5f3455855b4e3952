"""Who may use the CPU first after a save: the live update, then the quick checks, then the rest.

A save starts the service's live update and the checks that read the file at the same moment.
Lowering the checks' priority does not keep them off the reload: on 2 CPUs a check runs on the
other one (or its hyperthread sibling) at the same time, and the reload took twice as long
(measured: backend save → live 0.66 s with the checks disabled, 1.2–1.4 s with them running at
nice 19). Likewise the affected backend tests, started by the same save as `api-contract`, slowed
the contract's verdict, the one wanted within seconds.

So a check waits its turn, on two signals:
  - the save itself: while a file a live update syncs was saved less than SETTLE ago, that update
    is under way (this machine's reload answers within ~0.9 s at p95). Checks wait for it before
    they start, and a running check is paused (SIGSTOP/SIGCONT of its process tree) when a new
    save lands — the check beside the reload is exactly what slowed it. (Tilt's own record of an
    update reaches a watcher up to a second late, so the files are the signal, not Tilt's API.)
  - markers: the quick checks leave a file here while they run, and the slower ones wait for them.
Each wait is bounded, so a check that died mid-way cannot hold the others for long; a marker older
than STALE is a leftover and ignored.
The markers live in the Tiltfile's folder (one loop per working tree): `.loop/` (gitignored).
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

STATE = ".loop"
GRACE = 0.3        # the save's live update and its checks start together: let the monitor see it
SETTLE = 1.0       # a synced file saved this recently: its live update is still going live
SKIP_DIRS = {"node_modules", ".next", "__pycache__"}
STALE = 120.0      # a marker this old was left by a process killed mid-way: not busy
POLL = 0.05


def marker(root: Path, name: str) -> Path:
    return root / STATE / f"busy-{name}"


def begin(root: Path, name: str) -> None:
    path = marker(root, name)
    path.parent.mkdir(exist_ok=True)
    path.touch()


def end(root: Path, name: str) -> None:
    marker(root, name).unlink(missing_ok=True)


@contextlib.contextmanager
def busy(root: Path, name: str) -> Iterator[None]:
    begin(root, name)
    try:
        yield
    finally:
        end(root, name)


def in_flight(root: Path, now: float | None = None) -> list[str]:
    """Names with a marker younger than STALE."""
    now = time.time() if now is None else now
    try:
        entries = list(os.scandir(root / STATE))
    except FileNotFoundError:
        return []
    found = []
    for entry in entries:
        if not entry.name.startswith("busy-"):
            continue
        try:
            fresh = now - entry.stat().st_mtime < STALE
        except FileNotFoundError:  # ended while we looked
            continue
        if fresh:
            found.append(entry.name.removeprefix("busy-"))
    return sorted(found)


def newest(paths: list[Path], exclude: tuple[Path, ...] = ()) -> tuple[str | None, float]:
    """The most recently saved file in these folders/files, outside `exclude`: (path, mtime), or
    (None, 0) when there is none."""
    best, best_mtime = None, 0.0
    skip = {str(p) for p in exclude}
    for top in paths:
        walk = [(str(top.parent), [], [top.name])] if top.is_file() else os.walk(top)
        for folder, dirs, names in walk:
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS and os.path.join(folder, d) not in skip]
            for name in names:
                path = os.path.join(folder, name)
                try:
                    mtime = os.stat(path).st_mtime
                except OSError:
                    continue
                if mtime > best_mtime and path not in skip:
                    best, best_mtime = path, mtime
    return best, best_mtime


def newest_save(paths: list[Path], exclude: tuple[Path, ...] = ()) -> float:
    """The newest mtime of a file in these folders/files, outside `exclude` (0 when there is none)."""
    return newest(paths, exclude)[1]


def wait(root: Path, holds_for: Callable[[str], float], synced: dict[str, list[Path]] | None = None,
         exclude: tuple[Path, ...] = (), grace: float = GRACE, settle: float = SETTLE,
         sleep=time.sleep) -> tuple[float, list[str]]:
    """Block while something this caller yields to is busy. `holds_for(name)` is how many seconds a
    marker of `name` may hold it (0: not at all); `synced` maps each live-updated service to the
    paths its live update syncs (saves under `exclude` do not count). Returns (seconds waited, what
    it waited for)."""
    start = time.monotonic()
    sleep(grace)
    waited_for: set[str] = set()
    saves = {service: newest_save(paths, exclude) for service, paths in (synced or {}).items()}
    while True:
        elapsed, now = time.monotonic() - start, time.time()
        holding = [n for n in in_flight(root, now) if holds_for(n) > elapsed]
        holding += [s for s, saved in saves.items() if now - saved < settle and holds_for(s) > elapsed]
        if not holding:
            return elapsed, sorted(waited_for)
        waited_for.update(holding)
        sleep(POLL)


def descendants(pid: int) -> list[int]:
    """pid and every process below it (Linux /proc; elsewhere just pid)."""
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return [pid]
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def signal_tree(pid: int, signum: int) -> None:
    for p in descendants(pid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(p, signum)


class Yielding:
    """Runs a check's command and pauses its process tree (SIGSTOP, then SIGCONT) while a save's
    live update is under way — a save made while the check runs gets the CPU at once. Pauses are
    bounded (MAX_PAUSE each), so a stream of saves cannot starve the check. The tree stays in
    Tilt's process group, so Tilt stopping the check stops all of it, paused or not. `companions`
    are processes outside the tree that work for the check (the warm type-check server): paused and
    resumed with it, never stopped."""

    MAX_PAUSE = 4.0
    POLL = 0.1  # each look walks the synced folders: ~1 ms

    def __init__(self, synced: dict[str, list[Path]], exclude: tuple[Path, ...] = (), settle: float = SETTLE,
                 companions: Callable[[], list[int]] = list):
        self.synced, self.exclude, self.settle = synced, exclude, settle
        self.companions = companions
        self.pauses: list[float] = []  # how long each pause lasted

    def _signal(self, proc: subprocess.Popen, signum: int) -> None:
        signal_tree(proc.pid, signum)
        for pid in self.companions():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signum)

    def busy(self, now: float) -> bool:
        return any(now - newest_save(paths, self.exclude) < self.settle for paths in self.synced.values())

    def run(self, cmd: list[str], **popen) -> int:
        proc = subprocess.Popen(cmd, **popen)
        paused_at: float | None = None
        capped = False  # this busy spell already had its pause: let the check finish
        try:
            while proc.poll() is None:
                time.sleep(self.POLL)
                now = time.monotonic()
                busy = self.busy(time.time())
                if paused_at is None and busy and not capped:
                    self._signal(proc, signal.SIGSTOP)
                    paused_at = now
                elif paused_at is not None and (not busy or now - paused_at > self.MAX_PAUSE):
                    self._signal(proc, signal.SIGCONT)
                    self.pauses.append(now - paused_at)
                    capped, paused_at = busy, None
                elif not busy:
                    capped = False
            return proc.returncode
        finally:
            if paused_at is not None:
                self._signal(proc, signal.SIGCONT)
            if proc.poll() is None:  # the supervisor is being stopped: so is the check
                signal_tree(proc.pid, signal.SIGTERM)
