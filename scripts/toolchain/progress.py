"""One line per step with its elapsed time; long commands stream into a log file whose path is
printed, with a heartbeat line so a quiet multi-minute build is visibly alive (and CI sees output).
"""
from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator, Sequence, TextIO

PREFIX = "[toolchain]"


def fmt_elapsed(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s"


class Progress:
    def __init__(self, out: TextIO | None = None, heartbeat: float = 60.0):
        self.out = out or sys.stdout
        self.heartbeat = heartbeat

    def say(self, message: str) -> None:
        print(f"{PREFIX} {message}", file=self.out, flush=True)

    @contextlib.contextmanager
    def step(self, what: str) -> Iterator[None]:
        """`==> what` then `ok what (12.3s)` or `FAILED what (12.3s)`."""
        start = time.monotonic()
        self.say(f"==> {what}")
        try:
            yield
        except BaseException:
            self.say(f"FAILED {what} ({fmt_elapsed(time.monotonic() - start)})")
            raise
        self.say(f"ok {what} ({fmt_elapsed(time.monotonic() - start)})")

    def run_logged(self, cmd: Sequence[str], log: Path, *, what: str, cwd: Path | None = None,
                   env: dict | None = None, timeout: float | None = None) -> None:
        """Run `cmd` with stdout+stderr appended to `log`; raise CommandFailed with the log's tail."""
        log.parent.mkdir(parents=True, exist_ok=True)
        start = time.monotonic()
        self.say(f"    {what} (log: {log})")
        with log.open("a") as fh:
            fh.write(f"\n$ {' '.join(cmd)}\n")
            fh.flush()
            proc = subprocess.Popen(list(cmd), cwd=cwd, env=env, stdout=fh, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL)
            next_beat = start + self.heartbeat
            while True:
                try:
                    rc = proc.wait(timeout=1.0)
                    break
                except subprocess.TimeoutExpired:
                    now = time.monotonic()
                    if timeout is not None and now - start > timeout:
                        proc.kill()
                        proc.wait()
                        raise CommandFailed(f"{what} timed out after {fmt_elapsed(timeout)}", log)
                    if now >= next_beat:
                        self.say(f"    ... {what}: still running ({fmt_elapsed(now - start)}, log: {log})")
                        next_beat = now + self.heartbeat
        if rc != 0:
            raise CommandFailed(f"{what} failed (exit {rc}): {last_line(log)}", log)


class CommandFailed(RuntimeError):
    def __init__(self, message: str, log: Path):
        super().__init__(f"{message} (full log: {log})")
        self.log = log


def last_line(log: Path) -> str:
    """The last non-empty line of a log: usually the error that matters."""
    try:
        lines = [ln.strip() for ln in log.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return "no log"
    return lines[-1][:300] if lines else "no output"
