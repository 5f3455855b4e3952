"""One bootstrap at a time per cache: two concurrent installs would race on the same wrapper
module, download temp files and manifests. The second waits (saying so) and then finds the first
one's work already done."""
from __future__ import annotations

import contextlib
import fcntl
import os
import time
from pathlib import Path
from typing import Callable, Iterator

from .paths import cache_root


@contextlib.contextmanager
def cache_lock(say: Callable[[str], None], path: Path | None = None) -> Iterator[None]:
    path = path or cache_root() / "bootstrap.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            say(f"another bootstrap (pid {holder}) is installing into {path.parent}; waiting for it ...")
            start = time.monotonic()
            fcntl.flock(fd, fcntl.LOCK_EX)
            say(f"the other bootstrap finished after {time.monotonic() - start:.1f}s; continuing")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # closing the descriptor releases the flock
