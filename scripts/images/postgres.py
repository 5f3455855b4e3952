"""The in-cluster PostgreSQL image (chart: postgresql.enabled; Tilt: `--db=postgres`).

Base: the official `postgres:17` when the engine has it or can pull it; otherwise the offline Debian
trixie base that the backend uses (todo-app/base-python:...), on which the Dockerfile installs
Debian's postgresql-17. Same base logic as the app images (scripts.images.bases).

    python3 -m scripts.images.postgres [--tag TAG]    # builds todo-postgres:17 (+ TAG)
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from scripts import project

from . import docker_cli
from .bases import _official_available, ensure_offline_base, log
from .build import engine_args
from .config import CACHE_ROOT, DOCKER_DIR

OFFICIAL_POSTGRES = "postgres:17"
IMAGE = project.IMAGES["postgresql"]  # the chart's postgresql.image.repository
DOCKERFILE = DOCKER_DIR / "postgres.Dockerfile"
# The Dockerfile copies only the entrypoint from docker/.
CONTEXT_FILES = ["postgres-entrypoint.sh"]


def base_arg(mode: str | None = None) -> str:
    """POSTGRES_BASE: official image when available (mode auto/official), else the offline base."""
    mode = (mode or os.environ.get("TODO_APP_BASES") or "auto").lower()
    if mode != "offline":
        ok, why = _official_available(OFFICIAL_POSTGRES)
        if ok:
            return OFFICIAL_POSTGRES
        if mode == "official":
            raise RuntimeError(f"{OFFICIAL_POSTGRES} is not available ({why}); use TODO_APP_BASES=auto "
                               "to fall back to the offline Debian base")
    return ensure_offline_base("python").ref


def build(tags: list[str] | None = None) -> list[str]:
    """docker build the image; returns its tags (todo-postgres:17 first)."""
    tags = [f"{IMAGE}:17", *(tags or [])]
    args = ["build", "-f", str(DOCKERFILE), "--progress=plain", "--build-arg", f"POSTGRES_BASE={base_arg()}"]
    for k, v in project.FACTS.build_args("postgresql").items():
        args += ["--build-arg", f"{k}={v}"]
    args += engine_args()
    for t in tags:
        args += ["-t", t]
    args.append(str(DOCKER_DIR))
    logfile = CACHE_ROOT / "logs" / "build-todo-postgres.log"
    logfile.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with logfile.open("wb") as fh:
        proc = subprocess.run([docker_cli.cli(), *args], env=docker_cli.docker_env(), stdout=fh,
                              stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        tail = "\n".join(logfile.read_text(errors="replace").splitlines()[-25:])
        raise RuntimeError(f"building {tags[0]} failed; full log: {logfile}\n{tail}")
    log(f"built {', '.join(tags)} in {time.monotonic() - started:.1f}s")
    return tags


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.images.postgres")
    p.add_argument("--tag", action="append", default=[], help="extra tag(s), e.g. <the local registry>/todo-postgres:x")
    args = p.parse_args(argv)
    try:
        build(args.tag)
    except RuntimeError as err:
        print(f"ERROR: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
