"""Benchmark the dev-data buttons and commands (a script that prints numbers, not a test).

    .venv/bin/python -m scripts.bench devdata [--runs 3] [--db sqlite|postgres]

Starts its own `tilt up -- --only=backend` in a scratch namespace and ports on the local cluster (or
--context), then times, median over --runs: each button on `backend` pressed the way the dashboard
does (run time as Tilt records it for the button's command) and each `./scripts/dev data` command
(wall clock, interpreter start included). Deletes the namespace afterwards.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support.tilt_session import Tilt, copy_repo


def _cli(tilt: Tilt, *args: str) -> float:
    start = time.monotonic()
    subprocess.run([str(tilt.workdir / "scripts" / "dev"), "data", "--context", tilt.context, "--namespace",
                    tilt.namespace, "--yes", *args], cwd=tilt.workdir, env=tilt.env(), check=True,
                   capture_output=True, stdin=subprocess.DEVNULL, timeout=600)
    return time.monotonic() - start


def _press(tilt: Tilt, button: str, **inputs: str) -> float:
    code, seconds = tilt.press(button, **inputs)
    if code != 0:
        raise SystemExit(f"{button} failed (exit {code}):\n{tilt.log_tail(40)}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.bench devdata", description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--db", default="sqlite", choices=("sqlite", "postgres"))
    p.add_argument("--context", default="todo-local")
    args = p.parse_args(argv)
    times: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="devdata-bench-") as tmp:
        tilt = Tilt(copy_repo(Path(tmp)), args.context)
        tilt.up("--only=backend", f"--db={args.db}")
        try:
            tilt.wait_ready(["backend", "backend-readiness"], timeout=600)
            for i in range(args.runs):
                steps = [
                    ("button Seed demo data", lambda: _press(tilt, "seed-demo-data")),
                    ("button Snapshot dev data", lambda i=i: _press(tilt, "snapshot-dev-data", SNAPSHOT_NAME=f"b{i}")),
                    ("button Restore snapshot", lambda: _press(tilt, "restore-dev-data", SNAPSHOT_NAME="latest")),
                    ("button Reset dev data", lambda: _press(tilt, "reset-dev-data")),
                    ("./scripts/dev data seed", lambda: _cli(tilt, "seed")),
                    ("./scripts/dev data snapshot", lambda i=i: _cli(tilt, "snapshot", f"c{i}")),
                    ("./scripts/dev data restore", lambda: _cli(tilt, "restore")),
                    ("./scripts/dev data list", lambda: _cli(tilt, "list")),
                    ("./scripts/dev data reset", lambda: _cli(tilt, "reset")),
                ]
                for what, run in steps:
                    tilt.wait_ready(["backend-readiness"], timeout=300)  # each step starts from a ready loop
                    times.setdefault(what, []).append(run())
        finally:
            tilt.stop()
            tilt.down()
            tilt.delete_namespace()
            _report(times, args)  # also what was measured before an interrupt
    return 0


def _report(times: dict[str, list[float]], args: argparse.Namespace) -> None:
    print(f"dev data, --db={args.db}, up to {args.runs} run(s), median (min–max) seconds:")
    for what, values in times.items():
        print(f"  {what:<32} {statistics.median(values):6.1f}  ({min(values):.1f}–{max(values):.1f}, n={len(values)})")
