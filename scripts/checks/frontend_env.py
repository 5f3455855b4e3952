"""Running the frontend's own tools (tsc, ESLint, Vitest, the type generator) for a check."""
from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FRONTEND = REPO / "frontend"
# Incremental state of the checks (tsc build info, ESLint cache), relative to frontend/: gitignored,
# outside every Tilt watch and the image's build context, and per working tree (not in node_modules,
# which test sessions share by a link).
CACHE = ".checks"


class CheckSetupError(Exception):
    """The check cannot run at all (missing dependencies); the message names the fix."""


def tool_env() -> dict[str, str]:
    """The project's tools first on PATH: Node 22 is `.bin/node` (the machine's node may be older)."""
    return {**os.environ, "PATH": f"{REPO / '.bin'}:{os.environ.get('PATH', '')}"}


def lock_stamp(frontend: Path = FRONTEND) -> Path:
    """Where `./scripts/dev` (scripts/workflow/prepare.py, npm_ci) records the lock file it installed."""
    return frontend / "node_modules" / ".lock.sha256"


def lock_digest(frontend: Path = FRONTEND) -> str:
    return hashlib.sha256((frontend / "package-lock.json").read_bytes()).hexdigest()


def require_node_modules(frontend: Path = FRONTEND) -> None:
    """The frontend's dependencies are installed, and from the current package-lock.json."""
    fix = ("run `./scripts/dev up` (it runs `npm ci` when the lock file changed) or "
           "`PATH=$PWD/.bin:$PATH npm ci --prefix frontend`, then re-run this check")
    if not (frontend / "node_modules" / ".bin" / "tsc").exists():
        raise CheckSetupError(f"frontend/node_modules is missing, so the frontend checks cannot run: {fix}.")
    stamp = lock_stamp(frontend)
    if stamp.exists() and stamp.read_text().strip() != lock_digest(frontend):
        raise CheckSetupError(f"frontend/package-lock.json changed since frontend/node_modules was installed, "
                              f"so the checks would run against the old dependencies: {fix}.")


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> int:
    """Run a check's tool with its output going straight to the resource's log."""
    return subprocess.call(cmd, cwd=cwd, env={**tool_env(), **(env or {})})
