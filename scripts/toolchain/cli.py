"""python3 scripts/toolchain {install [target...] | doctor | env}"""
from __future__ import annotations

import argparse
import shlex
import sys
import time

from . import doctor
from .apt import AptError, ensure_apt_packages
from .docker_cli import DockerCliError, ensure_cli
from .docker_engine import EngineError, ensure_engine
from .installer import Installer, ToolInstallError
from .lock import cache_lock
from .paths import bin_dir
from .progress import Progress, fmt_elapsed
from .versions import Versions, VersionsError, load

SPECIAL = ("apt", "docker")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 scripts/toolchain",
        description="Install the pinned tools (scripts/versions.toml) into ~/.cache/todo-app and link them "
                    "into <repo>/.bin; check the machine; print the shell setup.")
    sub = parser.add_subparsers(dest="command", required=True)
    inst = sub.add_parser("install", help="install tools (default: apt packages, Docker engine, [install].default)")
    inst.add_argument("targets", nargs="*", metavar="target",
                      help="a tool from versions.toml, `docker` (engine + BuildKit CLI) or `apt` (Debian packages)")
    sub.add_parser("doctor", help="report tools, Docker, cluster, disk; exit 1 on a blocker")
    sub.add_parser("env", help='print shell exports: eval "$(python3 scripts/toolchain env)"')
    args = parser.parse_args(argv)

    if args.command == "env":
        print(f"export PATH={shlex.quote(str(bin_dir()))}:\"$PATH\"")
        print("export DOCKER_BUILDKIT=1")
        return 0
    try:
        versions = load()
    except VersionsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.command == "doctor":
        return doctor.run(versions)
    return install(versions, args.targets)


def install(versions: Versions, targets: list[str]) -> int:
    progress = Progress()
    targets = targets or ["apt", "docker", *versions.default_install]
    unknown = [t for t in targets if t not in SPECIAL and t not in versions.tools]
    if unknown:
        print(f"error: unknown target(s) {', '.join(unknown)}; choose from: "
              f"{', '.join([*SPECIAL, *versions.tools])}", file=sys.stderr)
        return 2
    start = time.monotonic()
    failures: list[tuple[str, str]] = []
    installer = Installer(versions, progress)  # locks each tool it installs (scripts/toolchain/lock.py)
    for target in targets:
        try:
            if target == "apt":
                done = ensure_apt_packages(versions.apt_packages, progress)
                progress.say(f"ok apt packages ({'installed ' + ' '.join(done) if done else 'all present'})")
            elif target == "docker":
                with cache_lock(progress.say, "docker"):
                    status = ensure_engine(progress)
                    cli = ensure_cli(engine_up=True)
                progress.say(f"ok docker: {status}; CLI {cli.path} ({cli.reason})")
            else:
                installer.ensure(versions.tool(target))
        except (ToolInstallError, AptError, EngineError, DockerCliError) as exc:
            failures.append((target, str(exc)))
            progress.say(f"FAILED {target}: {str(exc).splitlines()[0]}")
    elapsed = fmt_elapsed(time.monotonic() - start)
    if failures:
        print(f"\n{len(failures)} of {len(targets)} target(s) failed after {elapsed}:", file=sys.stderr)
        for target, why in failures:
            print(f"* {target}: {why}", file=sys.stderr)
        return 1
    progress.say(f"all set in {elapsed}; put the tools on PATH with: eval \"$(python3 scripts/toolchain env)\"")
    return 0
