"""Entry point behind ./scripts/dev: `test`, `up`, `down`, `status`, `doctor`."""
from __future__ import annotations

import argparse
import os
import sys

from . import test_cmd, up_cmd


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./scripts/dev", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("test", help="install what the tests need, start services, run every suite")
    t.add_argument("suites", nargs="*", help="run only these suites (default: all)")
    t.add_argument("--list", action="store_true", help="list the suites and exit")
    u = sub.add_parser("up", help="bootstrap tools, pick a dev cluster, run `tilt up` (args go to tilt up)")
    u.add_argument("tilt_args", nargs=argparse.REMAINDER)
    c = sub.add_parser("cluster", help="the local cluster: up | down | status | logs | prune")
    c.add_argument("cluster_args", nargs=argparse.REMAINDER)
    sub.add_parser("doctor", help="check tools, Docker engine, cluster and disk")
    args = parser.parse_args(argv)
    if args.command == "test":
        return test_cmd.run(args.suites, list_only=args.list)
    if args.command == "up":
        return up_cmd.run(args.tilt_args)
    if args.command == "cluster":
        os.execv(sys.executable, [sys.executable, "-m", "scripts.cluster", *args.cluster_args])
    if args.command == "doctor":
        os.execv(sys.executable, [sys.executable, "-m", "scripts.toolchain", "doctor"])
    return 2


if __name__ == "__main__":
    sys.exit(main())
