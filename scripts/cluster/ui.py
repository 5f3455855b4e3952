"""Progress lines with timings, and failures that name the component and show its log."""
from __future__ import annotations

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
    print(msg, flush=True)


@contextmanager
def step(name: str, quiet_if_fast: bool = False):
    """`  name ... ok (1.2s)`; quiet steps print nothing when they take under half a second."""
    start = time.monotonic()
    if not quiet_if_fast:
        sys.stdout.write(f"  {name} ... ")
        sys.stdout.flush()
    try:
        yield
    except BaseException:
        if quiet_if_fast:
            sys.stdout.write(f"  {name} ... ")
        sys.stdout.write(f"FAILED ({time.monotonic() - start:.1f}s)\n")
        sys.stdout.flush()
        raise
    took = time.monotonic() - start
    if quiet_if_fast and took < 0.5:
        return
    if quiet_if_fast:
        sys.stdout.write(f"  {name} ... ")
    sys.stdout.write(f"ok ({took:.1f}s)\n")
    sys.stdout.flush()


def log_tail(path: Path | None, lines: int = 30) -> str:
    if path is None or not path.exists():
        return "(no log)"
    text = path.read_text(errors="replace").splitlines()
    return "\n".join(text[-lines:])
