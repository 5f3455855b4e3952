"""Entry point behind ./scripts/dev: the loop (up, status, down), its dev data, the tests, the tools."""
from __future__ import annotations

import argparse
import os
import sys

from scripts.tilt import plan

from . import down_cmd, status_cmd, test_cmd, up_cmd


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="./scripts/dev", description=__doc__,
                                     epilog="`./scripts/dev COMMAND -h` shows a command's options.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("help", help="show this list of commands")
    t = sub.add_parser("test", help="install what the tests need, start services, run every suite")
    t.add_argument("suites", nargs="*", help="run only these suites (default: all)")
    t.add_argument("--list", action="store_true", help="list the suites and exit")
    u = sub.add_parser("up", help="bootstrap tools, pick a dev cluster, run `tilt up` (args go to tilt up)")
    u.add_argument("tilt_args", nargs=argparse.REMAINDER)
    s = sub.add_parser("status", help="what the loop and the cluster run, with the dashboard and app URLs")
    s.add_argument("--port", type=int, help=f"Tilt API port (default: TILT_PORT or {status_cmd.TILT_DEFAULT_PORT})")
    s.add_argument("--context", help="kube context (default: the current one)")
    s.add_argument("--namespace", help=f"the loop's namespace (default {plan.Flags().namespace})")
    d = sub.add_parser("down", help="`tilt down`: remove the loop's workloads, keep dev data (args go to the Tiltfile)")
    d.add_argument("--context", help="kube context (default: the current one)")
    d.add_argument("--port", type=int, help="Tilt API port of a `tilt up` that may still run (default: as status)")
    d.add_argument("tilt_args", nargs=argparse.REMAINDER)
    sub.add_parser("data", help="dev data: seed | snapshot [NAME] | restore [NAME] | list | reset "
                                "(`./scripts/dev data -h`)", add_help=False)
    c = sub.add_parser("cluster", help="the local cluster: up | down | status | logs | prune")
    c.add_argument("cluster_args", nargs=argparse.REMAINDER)
    sub.add_parser("doctor", help="check tools, Docker engine, cluster and disk")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["data"]:
        # Its own parser (scripts/devdata), also run by the dashboard's buttons; kubectl from .bin.
        os.execve(sys.executable, [sys.executable, "-m", "scripts.devdata", *argv[1:]], up_cmd.tool_env())
    p = parser()
    args = p.parse_args(argv)
    if args.command == "help":
        p.print_help()
        return 0
    if args.command == "status":
        return status_cmd.run(args.port, args.context, args.namespace)
    if args.command == "down":
        return down_cmd.run(args.tilt_args, args.context, args.port)
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
