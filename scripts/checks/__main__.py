"""`python -m scripts.checks <check>`: one check of the loop (the Tiltfile declares them from the plan).

Every check gives way to what a save is for (scripts/tilt/live_gate.py): it waits until the
save's live update answers, and lint and the tests also wait for the quick checks (the contract and
the types), whose verdict is the one wanted within seconds. All but the contract also lower their
CPU priority to the lowest (nice 19, inherited by node, pytest and the Postgres it starts) for
whatever overlaps anyway. Priority alone was not enough: on 2 CPUs a check simply runs beside the
reload on the other one, and backend save → live went from 0.66 s (checks disabled) to 1.2–1.4 s.
The quick checks' type check runs in the warm server (scripts/checks/typecheck.py), at normal
priority like the recompile in the frontend's pod that the contract's types write starts; it pauses
with the check while a save goes live, as a child would.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time

from scripts.tilt import live_gate

from . import NAMES

NICENESS = 19
# The checks whose verdict is wanted within seconds of a save: the slower ones start after them.
FOREGROUND = ("api-contract", "frontend-types")
LIVE_UPDATE_HOLD = 4.0   # how long a service's live update (until it answers) may hold a check
FOREGROUND_HOLD = 30.0   # how long a quick check may hold the slower ones
# Tilt starts a save's checks after its 200 ms debounce, together with the live update: sleep
# through the rest of live_gate.SETTLE before even importing the checks' code, whose import is the
# CPU a starting reload or recompile would otherwise share (three checks start per frontend save).
START_DELAY = live_gate.SETTLE - 0.2


def holds_for(check: str):
    """Whom `check` yields the CPU to (scripts/tilt/live_gate.py), and for how long at most: a
    service's live update (named by the service), and for the slower checks the quick ones."""
    def hold(name: str) -> float:
        if name not in NAMES:
            return LIVE_UPDATE_HOLD
        return FOREGROUND_HOLD if name in FOREGROUND and check not in FOREGROUND else 0.0
    return hold


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.checks", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    for name in NAMES:
        sub.add_parser(name)
    args = p.parse_args(argv)
    if args.command != "api-contract":
        # Not the contract: its verdict is the one the loop promises within seconds of a backend save,
        # and at nice 19 it lost seconds to whatever else ran (bench: red 7.3 s vs 4.6 s at nice 0).
        os.nice(NICENESS)
    time.sleep(START_DELAY)
    from scripts.tilt import tiltfile

    from . import contract, typecheck
    from .frontend_env import REPO
    synced = {service: [REPO / p for p in paths] for service, paths in tiltfile.synced_sources(REPO).items()}
    # Not the generated API types: api-contract writes them, and its own write is no save to wait for.
    generated = (REPO / contract.TYPES_DIR,)
    waited, holders = live_gate.wait(REPO, holds_for(args.command), synced, generated, grace=0.0)
    if holders:
        print(f"{args.command}: waited {START_DELAY + waited:.1f}s for {' and '.join(holders)} "
              "(a check beside a reload slows the reload)", flush=True)
    # The check itself runs in a child that pauses whenever a save's live update is under way.
    # The quick checks' type check runs in the warm server (scripts/checks/typecheck.py): it pauses too.
    companions = typecheck.server_pids if args.command in FOREGROUND else list
    runner = live_gate.Yielding(synced, exclude=generated, companions=companions)
    with live_gate.busy(REPO, args.command) if args.command in FOREGROUND else contextlib.nullcontext():
        rc = runner.run([sys.executable, "-m", "scripts.checks.tools", args.command], cwd=REPO)
    if runner.pauses:
        print(f"{args.command}: paused {len(runner.pauses)}x ({sum(runner.pauses):.1f}s) for live updates",
              flush=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
