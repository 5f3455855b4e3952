"""Command line: python3 -m scripts.cluster up | down | status | logs [component] | prune."""
from __future__ import annotations

import argparse
import sys

from . import config


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python3 -m scripts.cluster",
                                description="Local single-node Kubernetes cluster (context todo-local) "
                                            "from upstream components run as host processes.")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("up", help="start the cluster (idempotent; cleans up a killed previous run)")
    d = sub.add_parser("down", help="stop every process and remove mounts, interfaces, iptables rules")
    d.add_argument("--purge", action="store_true",
                   help="also delete the state directory (certificates, etcd data, images, volumes)")
    sub.add_parser("status", help="what runs and what does not (exit 1 unless all healthy)")
    lg = sub.add_parser("logs", help="list component logs, or show one")
    lg.add_argument("component", nargs="?")
    lg.add_argument("-n", "--lines", type=int, default=100)
    lg.add_argument("-f", "--follow", action="store_true")
    pr = sub.add_parser("prune", help="reclaim registry and image-store space")
    pr.add_argument("--keep", type=int, default=2, help="tags to keep per registry repository (default 2)")
    sub.add_parser("env", help="print paths and pids as JSON (for scripts and tests)")
    args = p.parse_args(argv)
    state = config.State.default()
    if args.cmd in ("up", "down", "prune"):
        _HELD.append(_lock(state))  # released when the process exits

    if args.cmd == "up":
        from .up import up
        return up(state)
    if args.cmd == "down":
        return down(state, args.purge)
    if args.cmd == "status":
        from .status import status
        return status(state)
    if args.cmd == "logs":
        from .status import logs
        return logs(state, args.component, args.lines, args.follow)
    if args.cmd == "prune":
        from .prune import prune
        return prune(state, args.keep)
    if args.cmd == "env":
        from .status import env_json
        print(env_json(state))
        return 0
    return 2


_HELD: list = []


def _lock(state: config.State):
    """One up/down/prune at a time: a second one waits (saying so) instead of racing the first."""
    import fcntl
    state.root.mkdir(parents=True, exist_ok=True)
    f = open(state.root / ".lock", "w")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("waiting for another up/down/prune of this cluster to finish ...", flush=True)
        fcntl.flock(f, fcntl.LOCK_EX)
    return f


def down(state: config.State, purge: bool) -> int:
    import os
    import shutil
    import time

    from . import teardown
    from .ui import say
    if os.geteuid() != 0:
        say("error: `down` removes mounts, interfaces and iptables rules and needs root")
        return 1
    t0 = time.monotonic()
    rep = teardown.teardown(state)
    say(f"==> down in {time.monotonic() - t0:.1f}s: {rep.summary()}")
    for problem in rep.problems:
        say(f"  warning: {problem}")
    left = teardown.verify_clean(state)
    for item in left:
        say(f"  still present: {item}")
    if purge and not left:
        shutil.rmtree(state.root, ignore_errors=True)
        say(f"  removed {state.root}")
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
