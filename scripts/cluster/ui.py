"""Progress lines with timings, and failures that name the component and show its log."""
from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path


class ComponentError(RuntimeError):
    """A component failed; carries its name and log so the user sees why."""

    def __init__(self, component: str, message: str, log: Path | None = None):
        super().__init__(f"{component}: {message}")
        self.component = component
        self.log = log


def say(msg: str) -> None:
    """Print a progress line; if the reader went away (`up | head`), carry on without output rather
    than leave the cluster half started."""
    try:
        print(msg, flush=True)
    except BrokenPipeError:
        devnull = open(os.devnull, "w")
        os.dup2(devnull.fileno(), sys.stdout.fileno())


@contextmanager
def step(name: str, quiet_if_fast: bool = False):
    """`  name ... ok (1.2s)` once done; quiet steps print nothing when they take under half a second."""
    start = time.monotonic()
    try:
        yield
    except BaseException:
        say(f"  {name} ... FAILED ({time.monotonic() - start:.1f}s)")
        raise
    took = time.monotonic() - start
    if quiet_if_fast and took < 0.5:
        return
    say(f"  {name} ... ok ({took:.1f}s)")


def log_tail(path: Path | None, lines: int = 30) -> str:
    if path is None or not path.exists():
        return "(no log)"
    text = path.read_text(errors="replace").splitlines()
    return "\n".join(text[-lines:])
