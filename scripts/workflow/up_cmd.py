"""`./scripts/dev up`: tools → the checks' dependencies → a dev cluster → base images → `tilt up`.

Arguments after `up` go to `tilt up` unchanged, e.g. `./scripts/dev up -- --mode=prod --only=backend`.
"""
from __future__ import annotations

import os
import subprocess
import sys

from scripts.toolchain import tool_env

from . import cluster_choice
from .steps import banner
from .suites import PY, REPO
from .prepare import npm_ci


def _run(cmd: list[str], what: str) -> None:
    banner(what)
    if subprocess.call(cmd, cwd=REPO, env=tool_env()) != 0:
        raise SystemExit(f"{what} failed; see the output above. `./scripts/dev doctor` checks the setup.")


def run(tilt_args: list[str]) -> int:
    _run([PY, "-m", "scripts.toolchain", "install"], "toolchain: tilt, helm, kubectl, node, Docker engine")
    os.environ["PATH"] = tool_env()["PATH"]
    # The loop's checks (scripts/checks) run the frontend's own tsc/ESLint/Vitest/type generator, and
    # the backend's tests against the PostgreSQL binaries the toolchain step installs (apt, [apt] in
    # scripts/versions.toml); `npm ci` only when package-lock.json changed.
    npm_ci()
    choice = cluster_choice.detect()
    banner(f"cluster: {choice.reason}")
    if choice.action == "none":
        print(choice.reason, file=sys.stderr)
        return 1
    if choice.action == "minikube-start":
        _run(["minikube", "start"], "minikube start")
    elif choice.action == "local-up":
        _run([PY, "-m", "scripts.cluster", "up"], "local cluster todo-local")
    _run([PY, "-m", "scripts.images", "bases"], "base images (official if pullable, else built locally)")
    banner(f"tilt up --context {choice.context} {' '.join(tilt_args)}")
    os.chdir(REPO)
    os.execvpe("tilt", ["tilt", "up", "--context", choice.context, *tilt_args], tool_env())
