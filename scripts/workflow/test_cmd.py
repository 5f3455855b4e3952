"""`./scripts/dev test`: install → start services → run every suite → one summary line."""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from typing import TextIO

from scripts.toolchain import tool_env

from .prepare import check, needs_of, npm_ci, prepare
from .steps import Counts, banner, run_step
from .suites import PY, REPO, REPORTS, Suite, by_name


# A suite running beside the others starts its services from its own thread: one start of each
# service at a time (another service's start, the cluster's, say, does not hold up a suite's npm ci).
_STARTING = {service: threading.Lock() for service in ("docker", "frontend-deps", "cluster")}


def _start(service: str, started: set[str], out: TextIO | None = None) -> None:
    with _STARTING[service]:
        if service in started:
            return
        if service == "docker":
            check([PY, "-m", "scripts.toolchain", "install", "docker"], "docker engine", out)
        elif service == "frontend-deps":
            npm_ci(out)
        elif service == "cluster":
            check([PY, "-m", "scripts.cluster", "up"], "local cluster (todo-local)", out)
        started.add(service)


def _run(suite: Suite, started: set[str], stream: bool = True) -> tuple[int, Counts | None]:
    """Start what the suite needs, then run it. Beside other suites (stream=False), the setup's
    output and the suite's go to its logs and a failure is printed when it ends."""
    log = REPORTS / "logs" / f"{suite.name}.log"
    try:
        with open(REPORTS / "logs" / f"{suite.name}-setup.log", "w") if not stream else contextlib.nullcontext() as out:
            for need in suite.needs:
                _start(need, started, out)
    except SystemExit as exc:
        if stream:
            raise
        banner(f"{suite.name}: FAILED before it started: {exc}")
        return 1, None
    return run_step(suite.name, suite.cmd, cwd=suite.cwd, env={**tool_env(), **dict(suite.env)},
                    junit=suite.junit, log=log, stream=stream)


def _run_beside(suite: Suite, started: set[str], results: dict[str, tuple[int, Counts | None]]) -> None:
    try:
        results[suite.name] = _run(suite, started, stream=False)
    except Exception as exc:  # the run's summary must still name this suite as failed
        banner(f"{suite.name}: FAILED: {type(exc).__name__}: {exc}")
        results[suite.name] = (1, None)


def run(names: list[str], list_only: bool = False) -> int:
    suites: list[Suite] = by_name(names)
    if list_only:
        for s in suites:
            print(f"{s.name:20} {' '.join(s.cmd)}")
        return 0
    (REPORTS / "junit").mkdir(parents=True, exist_ok=True)
    (REPORTS / "logs").mkdir(parents=True, exist_ok=True)
    started: set[str] = prepare(needs_of(suites))
    total = Counts()
    failed_suites: list[str] = []
    # The long cluster suite runs beside the others (when there are others): the run takes about as
    # long as it does instead of its time plus theirs.
    beside = [s for s in suites if s.alongside] if len(suites) > 1 else []
    results: dict[str, tuple[int, Counts | None]] = {}
    threads = [threading.Thread(target=_run_beside, args=(s, started, results), name=s.name) for s in beside]
    for thread in threads:
        thread.start()
    for suite in [s for s in suites if s not in beside]:
        results[suite.name] = _run(suite, started)
    if threads:
        banner(f"waiting for {', '.join(s.name for s in beside)} (running beside the others)")
    for thread in threads:
        thread.join()
    for suite in suites:
        rc, counts = results[suite.name]
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
