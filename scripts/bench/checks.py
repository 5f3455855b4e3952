"""Benchmark: save → live with the loop's checks running vs disabled (a script that prints numbers).

    .venv/bin/python -m scripts.bench checks [--rounds 3] [--edits 4]

One `tilt up` session (own namespace, ports and Tilt API port) from a copy of the tree made a git
repository (frontend-tests asks git what changed). Each round measures --edits backend and --edits
frontend (HTML) saves twice, with every `checks` resource enabled (each save also starts the
contract, types, lint and affected tests beside the live update) and with them disabled
(`tilt disable`); the order flips every round, so a drift in the machine's load hits both sides.
Goal (issue #16): median with / median without ≤ 1.10 for each service. Then --rounds times:
rename `TaskPublic.title` → seconds until `api-contract` is red in `tilt get uiresource` (goal
≤ 15 s), and back to green.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from scripts.checks.resources import checks

from .loop import backend_edits, first_compile, frontend_html_edits
from tests.support.tilt_session import APP_RESOURCES, Tilt, copy_repo


def _git_baseline(workdir: Path) -> None:
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "bench baseline"]):
        subprocess.run([*git, *args], cwd=workdir, check=True, capture_output=True)


def _status(tilt: Tilt, name: str) -> dict:
    return tilt.uiresource(name)["status"]


def _idle(tilt: Tilt, names: list[str]) -> bool:
    """Every check finished (ok or error) with nothing queued."""
    for name in names:
        s = _status(tilt, name)
        if s.get("updateStatus") not in ("ok", "error") or s.get("hasPendingChanges") \
                or (s.get("currentBuild") or {}).get("startTime"):
            return False
    return True


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:.0f}s")
        time.sleep(1)


def _set_checks(tilt: Tilt, names: list[str], on: bool) -> None:
    tilt.tilt("enable" if on else "disable", *names)
    want = "Enabled" if on else "Disabled"
    _wait(lambda: all((_status(tilt, n).get("disableStatus") or {}).get("state") == want for n in names),
          60, f"checks {want.lower()}")
    if on:
        _wait(lambda: _idle(tilt, names), 900, "the re-enabled checks' first runs")


def _contract_red_after_rename(tilt: Tilt) -> float:
    model = tilt.workdir / "backend/app/models/task.py"
    original = model.read_text()
    start = original.index("class TaskPublic(BaseModel):")
    saved = time.monotonic()
    model.write_text(original[:start] + original[start:].replace("    title: str\n", "    name: str\n", 1))
    try:
        _wait(lambda: _status(tilt, "api-contract").get("updateStatus") == "error", 300, "api-contract red")
        return time.monotonic() - saved
    finally:
        model.write_text(original)
        time.sleep(2)  # the revert is seen before "green" can mean anything
        _wait(lambda: _idle(tilt, ["api-contract"]) and _status(tilt, "api-contract").get("updateStatus") == "ok",
              300, "api-contract green after the revert")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--context", default="todo-local")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--edits", type=int, default=4, help="backend and frontend saves per condition per round")
    args = p.parse_args(argv)
    names = [c["name"] for c in checks()]
    samples: dict[tuple[str, bool], list[float]] = {(s, on): [] for s in ("backend", "frontend") for on in (True, False)}

    with tempfile.TemporaryDirectory(prefix="bench-checks-") as d:
        workdir = copy_repo(Path(d))
        _git_baseline(workdir)
        tilt = Tilt(workdir, args.context)
        try:
            with tilt.running(ready=APP_RESOURCES, timeout=900):
                first_compile(f"http://localhost:{tilt.frontend_port}/login")
                _wait(lambda: _idle(tilt, names), 900, "the checks' first runs (backend-tests seeds testmon)")
                for r in range(args.rounds):
                    for on in ((True, False) if r % 2 == 0 else (False, True)):
                        _set_checks(tilt, names, on)
                        be = backend_edits(tilt, args.edits).outside
                        fe = frontend_html_edits(tilt, args.edits).outside
                        samples["backend", on] += be
                        samples["frontend", on] += fe
                        print(f"round {r + 1} checks {'on ' if on else 'off'}: backend "
                              f"{' '.join(f'{x:.2f}' for x in be)} | frontend {' '.join(f'{x:.2f}' for x in fe)}",
                              flush=True)
                _set_checks(tilt, names, True)
                red = []
                for _ in range(args.rounds):
                    red.append(_contract_red_after_rename(tilt))
                    print(f"save → api-contract red {red[-1]:.1f}s", flush=True)
        except Exception:
            print(f"--- tilt log tail ---\n{tilt.log_tail(60)}", flush=True)
            raise

    print("\n| save → live | median with checks | median without | ratio | saves each | goal |")
    print("|---|---|---|---|---|---|")
    for service in ("backend", "frontend"):
        on, off = statistics.median(samples[service, True]), statistics.median(samples[service, False])
        print(f"| {service} | {on:.2f} s | {off:.2f} s | {on / off:.2f} | {len(samples[service, True])} | ≤ 1.10 |")
    print(f"| save → api-contract red | {statistics.median(red):.1f} s (median of {len(red)}) | | | | ≤ 15 s |")
    return 0
