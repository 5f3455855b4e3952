"""`./scripts/dev test`: install → start services → run every suite → one summary line."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time

from scripts.toolchain import tool_env

from .steps import Counts, banner, run_step
from .suites import PY, REPO, REPORTS, Suite, by_name


def _check(cmd: list[str], what: str) -> None:
    """Run a setup step; a failure stops the run with the step named."""
    start = time.monotonic()
    banner(what)
    rc = subprocess.call(cmd, cwd=REPO, env=tool_env())
    if rc != 0:
        raise SystemExit(f"setup step failed: {what} (exit {rc}); see the output above")
    banner(f"{what}: ok in {time.monotonic() - start:.1f}s")


def _npm_ci() -> None:
    """`npm ci` only when package-lock.json changed since the last install (a stamp in node_modules)."""
    lock = REPO / "frontend" / "package-lock.json"
    stamp = REPO / "frontend" / "node_modules" / ".lock.sha256"
    want = hashlib.sha256(lock.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == want:
        return
    _check(["npm", "ci", "--prefix", "frontend", "--no-audit", "--no-fund"], "frontend: npm ci")
    stamp.write_text(want)


def _start(service: str, started: set[str]) -> None:
    if service in started:
        return
    if service == "docker":
        _check([PY, "-m", "scripts.toolchain", "install", "docker"], "docker engine")
    elif service == "frontend-deps":
        _npm_ci()
    elif service == "cluster":
        _check([PY, "-m", "scripts.cluster", "up"], "local cluster (todo-local)")
    started.add(service)


def run(names: list[str], list_only: bool = False) -> int:
    suites: list[Suite] = by_name(names)
    if list_only:
        for s in suites:
            print(f"{s.name:20} {' '.join(s.cmd)}")
        return 0
    (REPORTS / "junit").mkdir(parents=True, exist_ok=True)
    (REPORTS / "logs").mkdir(parents=True, exist_ok=True)
    _check([PY, "-m", "scripts.toolchain", "install"], "toolchain: tools, apt packages, Docker engine")
    if any(s.cwd.name == "frontend" for s in suites):
        _npm_ci()

    started: set[str] = set()
    total = Counts()
    failed_suites: list[str] = []
    for suite in suites:
        for need in suite.needs:
            _start(need, started)
        rc, counts = run_step(suite.name, suite.cmd, cwd=suite.cwd, env={**tool_env(), **dict(suite.env)},
                              junit=suite.junit, log=REPORTS / "logs" / f"{suite.name}.log")
        if counts is not None:
            total += counts
        if rc != 0:
            failed_suites.append(suite.name)
        elif counts is not None and counts.total == 0:
            failed_suites.append(f"{suite.name} (no tests ran)")
        elif counts is not None and counts.skipped and os.environ.get("CI"):
            # Every capability a test needs is installed here; a skip in CI hides a gap.
            failed_suites.append(f"{suite.name} ({counts.skipped} skipped in CI)")

    if (REPORTS / "reliability").is_dir():
        # The reliability suite records its figures; turn them into the Markdown table + latency plot.
        subprocess.call([PY, "-m", "scripts.reliability.report"], cwd=REPO)
    print()
    if failed_suites:
        banner(f"failed suites: {', '.join(failed_suites)}")
    else:
        banner(f"all {len(suites)} suites passed")
    print(f"{total.passed} passed, {total.failed} failed, {total.skipped} skipped", flush=True)
    return 1 if failed_suites else 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
