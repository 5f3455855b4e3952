"""Run named steps with progress lines and collect their test counts.

Each suite is a subprocess. Counts come from the JUnit XML a suite writes (pytest, Vitest, Playwright) or, for
runners without one, from a closing `N passed, N failed` line in their output.
"""
from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

SUMMARY_RE = re.compile(r"^\s*(?:\w+:\s*)?(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$")


@dataclasses.dataclass
class Counts:
    passed: int = 0
    failed: int = 0
    skipped: int = 0

    def __iadd__(self, other: "Counts") -> "Counts":
        self.passed += other.passed
        self.failed += other.failed
        self.skipped += other.skipped
        return self

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.skipped


def counts_from_junit(path: Path) -> Counts:
    """Sum testcases over every <testsuite> in a JUnit XML file."""
    root = ET.parse(path).getroot()
    counts = Counts()
    for case in root.iter("testcase"):
        if case.find("skipped") is not None:
            counts.skipped += 1
        elif case.find("failure") is not None or case.find("error") is not None:
            counts.failed += 1
        else:
            counts.passed += 1
    return counts


def counts_from_output(text: str) -> Counts | None:
    """The last `N passed, N failed[, N skipped]` line of a runner's output, if any."""
    found = None
    for line in text.splitlines():
        m = SUMMARY_RE.match(line)
        if m:
            found = Counts(int(m[1]), int(m[2]), int(m[3] or 0))
    return found


def banner(msg: str) -> None:
    # One write per line: setup lanes and suites running side by side print from their own threads,
    # and print()'s separate write of the newline let two banners run into one line.
    sys.stdout.write(f"==> {msg}\n")
    sys.stdout.flush()


def run_step(name: str, cmd: list[str], *, cwd: Path, env: dict[str, str] | None = None,
             junit: Path | None = None, log: Path | None = None,
             stream: bool = True) -> tuple[int, Counts | None]:
    """Run one step, streaming its output (and teeing it to `log`; with stream=False, to `log` only).
    Returns (exit code, counts)."""
    start = time.monotonic()
    banner(f"{name}: {' '.join(cmd)}" + ("" if stream else f" (beside the other suites; output: {log})"))
    if junit is not None and junit.exists():
        junit.unlink()
    full_env = {**os.environ, **(env or {})}
    out_lines: list[str] = []
    with subprocess.Popen(cmd, cwd=cwd, env=full_env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace") as proc:
        logf = log.open("w", buffering=1) if log else None  # line-buffered: the log can be followed
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                if stream:
                    sys.stdout.write(line)
                out_lines.append(line)
                if logf:
                    logf.write(line)
        finally:
            if logf:
                logf.close()
        rc = proc.wait()
    counts = None
    if junit is not None and junit.exists():
        counts = counts_from_junit(junit)
    if counts is None:
        counts = counts_from_output("".join(out_lines[-50:]))
    elapsed = time.monotonic() - start
    status = "ok" if rc == 0 else f"FAILED (exit {rc})"
    if rc != 0 and not stream:
        sys.stdout.write(failure_report("".join(out_lines)))
    banner(f"{name}: {status} in {elapsed:.1f}s" + (f" — {counts.passed} passed, {counts.failed} failed, "
                                                    f"{counts.skipped} skipped" if counts else ""))
    return rc, counts


def failure_report(output: str, limit: int = 400) -> str:
    """What a failed step that ran unseen printed about its failure: pytest's FAILURES/ERRORS
    sections onwards (else the output's end), at most `limit` lines."""
    lines = output.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.match(r"^=+ (FAILURES|ERRORS) =+$", line.strip())),
                 max(0, len(lines) - limit))
    return "".join(lines[start:start + limit])
