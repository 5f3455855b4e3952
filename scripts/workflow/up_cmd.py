"""`./scripts/dev up`: tools, the checks' dependencies and base images → a dev cluster → `tilt up`.

Arguments after `up` go to `tilt up` unchanged, e.g. `./scripts/dev up -- --mode=prod --only=backend`.
"""
from __future__ import annotations

import os
import subprocess
import sys

from scripts.toolchain import tool_env

from . import cluster_choice
from .prepare import prepare
from .steps import banner
from .suites import PY, REPO


def _run(cmd: list[str], what: str) -> None:
    banner(what)
    if subprocess.call(cmd, cwd=REPO, env=tool_env()) != 0:
        raise SystemExit(f"{what} failed; see the output above. `./scripts/dev doctor` checks the setup.")


def before_tilt() -> cluster_choice.Choice:
    """Everything `up` does before `tilt up` (the loop benchmark times it): all idempotent, seconds when warm."""
    # The tools (Go builds on a new machine) beside the Debian packages, the Docker engine, `npm ci`
    # (the loop's checks run the frontend's own tsc/ESLint/Vitest/type generator; only when
    # package-lock.json changed) and the base images the Tiltfile builds on.
    prepare({"docker", "frontend-deps"})
    os.environ["PATH"] = tool_env()["PATH"]
    choice = cluster_choice.detect()
    banner(f"cluster: {choice.reason}")
    if choice.action == "minikube-start":
        _run(["minikube", "start"], "minikube start")
    elif choice.action == "local-up":
        _run([PY, "-m", "scripts.cluster", "up"], "local cluster todo-local")
    return choice


def run(tilt_args: list[str]) -> int:
    choice = before_tilt()
    if choice.action == "none":
        print(choice.reason, file=sys.stderr)
        return 1
    banner(f"tilt up --context {choice.context} {' '.join(tilt_args)}")
    os.chdir(REPO)
    os.execvpe("tilt", ["tilt", "up", "--context", choice.context, *tilt_args], tool_env())
