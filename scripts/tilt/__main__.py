"""CLI the Tiltfile calls: `python -m scripts.tilt <command>`; errors go to stderr as one paragraph."""
from __future__ import annotations

import argparse
import json
import sys

from . import context, debug_toggle, dotenv, namespace, objects, plan, postgres_upgrade, preflight, secrets
from .plan import REPO


def _image_settings(db: str = "sqlite") -> plan.ImageSettings:
    """Base images, the CA-bundle build secret and the build network, as scripts.images builds them."""
    from scripts.images.bases import base_image_args
    from scripts.images.build import build_secret_args
    from scripts.images.docker_cli import build_network
    postgres_base = ""
    if db == "postgres":
        from scripts.images.postgres import base_arg
        postgres_base = base_arg()
    return plan.ImageSettings(base_args=base_image_args(), secrets=build_secret_args(),
                              network=build_network()[0] or "", postgres_base=postgres_base)


def cmd_plan(args: argparse.Namespace) -> int:
    flags = plan.Flags.from_tilt(json.loads(args.config or "{}"))
    # Cheap, local decisions first (context, flags, .env), then what needs the outside world: a dead
    # cluster or engine must fail here, in seconds, with the fix, before Tilt applies or builds anything.
    context.check(args.context, flags.allow_context)
    plan.validate(flags)
    # Only the commands that deploy or build need the outside world (`tilt alpha tiltfile-result`
    # and friends evaluate the Tiltfile without a cluster).
    if args.subcommand in ("up", "ci", "down"):
        preflight.check_cluster(args.context)
    if args.subcommand in ("up", "ci"):
        preflight.check_docker()
    result = plan.build(flags, args.context, _image_settings(flags.db))
    # Rendered once, here, where a values mistake gets a readable error; the Tiltfile deploys the text.
    result["rendered"] = preflight.render(result["chart"], result["release"], result["namespace"],
                                          result["values"], result["set"], cwd=str(REPO))
    result["app_config"] = objects.config_selectors(result["rendered"])
    from scripts.checks import resources  # the checks' resources ride on the same answer: one call
    result["checks"] = resources.for_tilt(args.subcommand, flags.checks)
    print(json.dumps(result))
    return 0


def cmd_dev_secrets(args: argparse.Namespace) -> int:
    flags = plan.Flags.from_tilt(json.loads(args.config or "{}"))
    context.check(args.context, flags.allow_context)  # a refused context writes nothing either
    plan.validate(flags)
    secrets.ensure_dev_secrets(REPO / flags.env_file, flags.mode, flags.db)
    return 0


def cmd_secret_apply(args: argparse.Namespace) -> int:
    # The namespace is created here, not by Tilt, so no Tilt action (down, a force update) deletes it
    # with the dev data inside.
    print(secrets.kubectl_apply(namespace.manifest(args.namespace), args.context))
    env_file = REPO / args.env_file
    # Again here: this resource re-runs when .env changes, and a developer may have deleted the key.
    secrets.ensure_dev_secrets(env_file, args.mode, args.db)
    required = plan.required_secret_keys(plan.Flags(mode=args.mode, db=args.db))
    data = secrets.secret_data(env_file, required, db=args.db, release=args.release)
    print(secrets.apply(data, args.namespace, args.context))
    print(f"Secret {args.namespace}/{secrets.SECRET_NAME}: keys {', '.join(sorted(data))} "
          f"(checksum {secrets.checksum(data)[:12]}; values not shown)")
    if args.db == "postgres":
        # Runs before the chart is applied (app-config and the workloads depend on this resource).
        print(postgres_upgrade.migrate(args.namespace, args.release, args.context))
    return 0


def cmd_debug_toggle(args: argparse.Namespace) -> int:
    debug_toggle.toggle(args.service)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.tilt")
    sub = p.add_subparsers(dest="cmd", required=True)
    pl = sub.add_parser("plan", help="print the Tiltfile's plan as JSON")
    pl.add_argument("--context", default="")
    pl.add_argument("--config", help="Tilt's config.parse() result as JSON")
    pl.add_argument("--subcommand", default="up", help="Tilt's config.tilt_subcommand (up, ci, down, ...)")
    ds = sub.add_parser("dev-secrets", help="generate the dev loop's secrets into .env once (before `plan`)")
    ds.add_argument("--context", default="")
    ds.add_argument("--config", help="Tilt's config.parse() result as JSON")
    sa = sub.add_parser("secret-apply", help="create/update the app's Secret (secrets.existingSecret) from .env")
    sa.add_argument("--namespace", required=True)
    sa.add_argument("--context", required=True, help="the kube context Tilt deploys to")
    sa.add_argument("--env-file", default=".env")
    sa.add_argument("--mode", default="dev", choices=plan.MODES)
    sa.add_argument("--db", default="sqlite", choices=plan.DATABASES)
    sa.add_argument("--release", default="todo-app", help="Helm release (names the PostgreSQL Service)")
    dt = sub.add_parser("debug-toggle", help="turn the debugger for a service on/off in the running loop")
    dt.add_argument("service", choices=plan.SERVICES)
    args = p.parse_args(argv)
    try:
        return {"plan": cmd_plan, "dev-secrets": cmd_dev_secrets, "secret-apply": cmd_secret_apply,
                "debug-toggle": cmd_debug_toggle}[args.cmd](args)
    except (plan.PlanError, context.ContextRefused, secrets.SecretError,
            preflight.PreflightError, dotenv.DotenvError, postgres_upgrade.UpgradeError) as err:
        print(f"ERROR: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
