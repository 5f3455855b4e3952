"""`python -m scripts.devdata seed | snapshot [NAME] | restore [NAME] | list | reset`

The dashboard's buttons on `backend` run this (with the loop's context, namespace and database);
`./scripts/dev data …` runs it against the current kube context's `todo-app` namespace by default.
restore and reset destroy the current data: they ask first (the buttons ask in the dashboard).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from scripts.tilt import context, plan

from . import ops, reset, store
from .target import DevDataError, Kube, Target, detect_db

DESTRUCTIVE = {"restore": "replaces the current dev data with the snapshot",
               "reset": "deletes the dev data (the database and the backend's volume)"}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="./scripts/dev data", description=__doc__.splitlines()[0])
    p.add_argument("--context", default="", help="kube context (default: the current one; dev clusters only)")
    p.add_argument("--allow-context", action="append", default=[], help="also allow this context (as the Tiltfile)")
    p.add_argument("--namespace", default=plan.Flags().namespace, help="the loop's namespace (default %(default)s)")
    p.add_argument("--release", default=plan.RELEASE, help=argparse.SUPPRESS)
    p.add_argument("--db", default="auto", choices=("auto", *plan.DATABASES),
                   help="auto (default): postgres when the chart's PostgreSQL runs in the namespace")
    p.add_argument("--yes", action="store_true", help="do not ask before restore/reset")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("seed", help="a demo user with tasks in every state (idempotent); prints the login")
    for name, what in (("snapshot", "save the dev database as a named snapshot (default name: the time)"),
                       ("restore", "stop the backend, restore a snapshot (default: latest), start it again")):
        s = sub.add_parser(name, help=what)
        s.add_argument("name", nargs="?", default="")
        s.add_argument("--name-from-env", metavar="VAR", help="take the name from this environment variable "
                       "(a dashboard button's text input)")
    sub.add_parser("list", help="the namespace's snapshots, oldest first")
    sub.add_parser("reset", help="wipe the dev data (the backend's claim; with postgres its claim too)")
    return p


def _current_context() -> str:
    proc = subprocess.run(["kubectl", "config", "current-context"], capture_output=True, text=True)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise DevDataError("no current kube context: start the loop's cluster (`./scripts/dev up`) or pass "
                           "--context NAME")
    return proc.stdout.strip()


def _confirm(command: str, t: Target, yes: bool) -> None:
    if yes:
        return
    what = f"{command} {DESTRUCTIVE[command]} in {t.context}/{t.namespace} ({t.db})"
    if not sys.stdin.isatty():
        raise DevDataError(f"{what}; pass --yes to confirm (no terminal to ask on). Nothing was changed.")
    if input(f"{what}. Type yes to go on: ").strip() != "yes":
        raise DevDataError("not confirmed; nothing was changed")


def run(args: argparse.Namespace) -> None:
    name = getattr(args, "name", "")
    if getattr(args, "name_from_env", None):
        name = os.environ.get(args.name_from_env, "").strip() or name
    if args.command == "list":
        ops.print_list(args.namespace)
        return
    kube_context = args.context or _current_context()
    context.check(kube_context, args.allow_context)
    probe = Kube(Target(kube_context, args.namespace, args.release, db=""))
    db = detect_db(probe, args.release) if args.db == "auto" else args.db
    target = Target(kube_context, args.namespace, args.release, db)
    print(f"dev data of {kube_context}/{args.namespace} ({db})", flush=True)
    if args.command == "restore":
        store.find(target.namespace, name or store.LATEST, db)  # a wrong name fails before any question
    if args.command in DESTRUCTIVE:
        _confirm(args.command, target, args.yes)
    kube = Kube(target)
    if args.command == "seed":
        ops.seed(kube)
    elif args.command == "snapshot":
        ops.snapshot(kube, name)
    elif args.command == "restore":
        ops.restore(kube, name or store.LATEST)
    else:
        reset.reset(kube)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    start = time.monotonic()
    try:
        run(args)
    except (DevDataError, context.ContextRefused) as err:
        hint = (" The data may be half-reset: run it again (Reset dev data, or `./scripts/dev data reset`)."
                if args.command == "reset" and isinstance(err, DevDataError) else "")
        print(f"ERROR: {err}{hint}", file=sys.stderr)
        return 1
    print(f"{args.command}: done in {time.monotonic() - start:.1f}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
