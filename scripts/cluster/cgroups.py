"""The kubelet's cgroup root: a cgroup tree of our own, created before the kubelet and removed on down.

Only the subtree named config.CGROUP_ROOT is ever created, read, signalled or removed: other cgroups on
the machine (e.g. the one the shell runs in) are never moved, limited or deleted.
"""
from __future__ import annotations

import errno
import os
import signal
import time
from pathlib import Path

from . import config


def hierarchies() -> list[Path]:
    """Mount points of every cgroup v1 hierarchy and the cgroup2 one (hybrid hosts have both)."""
    mounts = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        fstype = right.split()[0] if right else ""
        if fstype in ("cgroup", "cgroup2"):
            mounts.append(Path(left.split()[4]))
    return mounts


def is_v1() -> bool:
    return any(m != Path("/sys/fs/cgroup") for m in hierarchies()) and \
        not (Path("/sys/fs/cgroup/cgroup.controllers").exists())


def our_dirs() -> list[Path]:
    rel = config.CGROUP_ROOT.strip("/")
    return [m / rel for m in hierarchies() if (m / rel).is_dir()]


def create() -> None:
    rel = config.CGROUP_ROOT.strip("/")
    for m in hierarchies():
        if (m / "cgroup.controllers").exists() and len(hierarchies()) > 1:
            continue  # hybrid's unified tree: runc creates what it needs there
        d = m / rel
        d.mkdir(exist_ok=True)
        # A new cpuset cgroup starts with no CPUs/memory nodes; tasks cannot join it until set.
        for f in ("cpuset.cpus", "cpuset.mems"):
            mine, parent = d / f, m / f
            if mine.exists() and parent.exists() and not mine.read_text().strip():
                mine.write_text(parent.read_text().strip())


def pids() -> set[int]:
    found: set[int] = set()
    for top in our_dirs():
        for dirpath, _dirs, files in os.walk(top):
            if "cgroup.procs" in files:
                try:
                    found.update(int(x) for x in (Path(dirpath) / "cgroup.procs").read_text().split())
                except OSError:
                    pass
    found.discard(os.getpid())
    return found


def kill_all(grace: float = 5.0) -> int:
    """SIGTERM every process in our tree, wait up to `grace` s, then SIGKILL until none is left."""
    first = pids()
    for p in first:
        try:
            os.kill(p, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and pids():
        time.sleep(0.1)
    for _ in range(50):
        left = pids()
        if not left:
            break
        for p in left:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.1)
    return len(first)


def remove() -> list[str]:
    """rmdir our tree bottom-up in every hierarchy. Returns directories that could not be removed."""
    failed = []
    for top in our_dirs():
        for dirpath, _dirs, _files in os.walk(top, topdown=False):
            for attempt in range(20):
                try:
                    os.rmdir(dirpath)
                    break
                except OSError as e:
                    if e.errno == errno.ENOENT:
                        break
                    if attempt == 19:
                        failed.append(f"{dirpath}: {e.strerror}")
                    time.sleep(0.05)
    return failed
