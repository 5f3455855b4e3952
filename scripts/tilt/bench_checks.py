"""Benchmark: save-to-live with the loop's checks running vs without (a script that prints numbers).

    .venv/bin/python -m scripts.tilt.bench_checks [--rounds 3] [--edits 3]

One `tilt up` session (own namespace, ports, Tilt API port) from a copy of the tree made a git
repository (the frontend-tests check asks git what changed). Each round measures --edits backend
and --edits frontend saves twice: once with every `checks` resource enabled (so each save also runs
the contract, types, lint and affected tests next to the live update), once with them disabled
(`tilt disable`); the order flips every round so drift in the machine's load hits both sides.
Goal (issue #16): median with checks / median without ≤ 1.10, for backend and for frontend.
Then, --rounds times: rename `TaskPublic.title` → seconds until `api-contract` is red in
`tilt get uiresource` (goal ≤ 15 s), and back.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from scripts.checks.resources import checks

from .bench import APP, _until, backend_edits, frontend_edits
from .session import Tilt, copy_repo


def _git_baseline(workdir: Path) -> None:
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "bench baseline"]):
        subprocess.run([*git, *args], cwd=workdir, check=True, capture_output=True)


def _checks_idle(tilt: Tilt, names: list[str]) -> bool:
    for name in names:
        status = tilt.uiresource(name)["status"]
        if status.get("updateStatus") not in ("ok", "error") or status.get("hasPendingChanges"):
            return False
    return True


def _wait_idle(tilt: Tilt, names: list[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not _checks_idle(tilt, names):
        if time.monotonic() > deadline:
            raise TimeoutError(f"checks still running after {timeout}s")
        time.sleep(1)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--context", default="todo-local")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--edits", type=int, default=3, help="backend and frontend saves per condition per round")
    args = p.parse_args(argv)
    names = [c["name"] for c in checks()]
    samples: dict[tuple[str, bool], list[float]] = {(s, on): [] for s in ("backend", "frontend")
                                                    for on in (True, False)}

    with tempfile.TemporaryDirectory(prefix="bench-checks-") as d:
        workdir = copy_repo(Path(d))
        _git_baseline(workdir)
        tilt = Tilt(workdir, args.context)
        try:
            tilt.up()
            tilt.wait_ready(APP, timeout=900)
            _until(f"http://localhost:{tilt.frontend_port}/login", "Log in", 120)  # first compile
            _wait_idle(tilt, names, 900)  # the first runs (the whole backend suite seeds testmon)
            for r in range(args.rounds):
                for on in ((True, False) if r % 2 == 0 else (False, True)):
                    tilt.tilt("enable" if on else "disable", *names)
                    be = backend_edits(tilt, args.edits)
                    fe = frontend_edits(tilt, args.edits)
                    samples["backend", on] += be
                    samples["frontend", on] += fe
                    print(f"round {r + 1} checks {'on ' if on else 'off'}: backend "
                          f"{' '.join(f'{x:.2f}' for x in be)}  frontend {' '.join(f'{x:.2f}' for x in fe)}",
                          flush=True)
            tilt.tilt("enable", *names)
            _wait_idle(tilt, names, 900)
            red = [_contract_red_after_rename(tilt) for _ in range(args.rounds)]
            print(f"save → api-contract red: {' '.join(f'{x:.1f}' for x in red)}", flush=True)
        except Exception:
            print(f"--- tilt log tail ---\n{tilt.log_tail(60)}", flush=True)
            raise
        finally:
            tilt.stop()
            tilt.down()
            tilt.delete_namespace()

    print()
    print("| save → live | median with checks | median without | ratio | runs each | goal |")
    print("|---|---|---|---|---|---|")
    for service in ("backend", "frontend"):
        on, off = statistics.median(samples[service, True]), statistics.median(samples[service, False])
        print(f"| {service} | {on:.2f}s | {off:.2f}s | {on / off:.2f} | {len(samples[service, True])} | ≤ 1.10 |")
    print(f"| save → api-contract red | {statistics.median(red):.1f}s | | | {len(red)} | ≤ 15 s |")
    return 0


def _contract_red_after_rename(tilt: Tilt) -> float:
    model = tilt.workdir / "backend/app/models/task.py"
    original = model.read_text()
    start = original.index("class TaskPublic(BaseModel):")
    saved = time.monotonic()
    model.write_text(original[:start] + original[start:].replace("    title: str\n", "    name: str\n", 1))
    try:
        while tilt.uiresource("api-contract")["status"].get("updateStatus") != "error":
            if time.monotonic() - saved > 300:
                raise TimeoutError("api-contract never turned red")
            time.sleep(0.2)
        return time.monotonic() - saved
    finally:
        model.write_text(original)
        deadline = time.monotonic() + 300
        while tilt.uiresource("api-contract")["status"].get("updateStatus") != "ok":  # green again
            if time.monotonic() > deadline:
                raise TimeoutError("api-contract never turned green after the revert")
            time.sleep(0.5)


if __name__ == "__main__":
    raise SystemExit(main())
