"""One install of each target at a time per cache: two concurrent installs of the same tool would
race on its wrapper module, download temp files and manifest. The second waits (saying so) and then
finds the first one's work done. Different targets do not wait for each other, so the test command
can build the Go tools while another process installs the Debian packages and the Docker engine
(the go, npm and pip caches they share are safe for concurrent use; apt has its own lock here).

A process may take a lock it already holds (tilt's install ensures node, which the same process
may be installing): re-entry is free, so nested installs never wait on themselves."""
from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

from .paths import cache_root

_held: set[Path] = set()
_held_guard = threading.Lock()


def lock_path(target: str) -> Path:
    return cache_root() / "locks" / f"{target}.lock"


@contextlib.contextmanager
def cache_lock(say: Callable[[str], None], target: str) -> Iterator[None]:
    path = lock_path(target)
    with _held_guard:
        reentry = path in _held
    if reentry:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            say(f"another bootstrap (pid {holder}) is installing {target} into {cache_root()}; waiting for it ...")
            start = time.monotonic()
            fcntl.flock(fd, fcntl.LOCK_EX)
            say(f"the other bootstrap finished {target} after {time.monotonic() - start:.1f}s; continuing")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        with _held_guard:
            _held.add(path)
        try:
            yield
        finally:
            with _held_guard:
                _held.discard(path)
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing the descriptor releases the flock
