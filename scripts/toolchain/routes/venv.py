"""Route 3e: a Python tool in its own virtualenv, from a pinned requirements file (checkov).

Why its own venv and not the project's: checkov pulls ~100 packages (boto3, networkx, …) whose
pins would fight the project's own; isolated, neither can break the other. The venv lives in the
tool cache under a name that carries the requirements file's digest, so a changed pin builds a new
venv beside the old one, and one that finished installing is reused as is (marker file)."""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys

from . import RouteContext, RouteResult, RouteUnavailable

COMPLETE = ".install-complete"


def venv_dir(ctx: RouteContext):
    digest = hashlib.sha256(ctx.tool.venv_requirements.read_bytes()).hexdigest()[:12]
    return ctx.tool_dir / f"venv-{digest}"


def install(ctx: RouteContext) -> RouteResult:
    requirements = ctx.tool.venv_requirements
    directory = venv_dir(ctx)
    binaries = {b: directory / "bin" / b for b in ctx.tool.binaries}
    if (directory / COMPLETE).is_file() and all(p.is_file() for p in binaries.values()):
        ctx.progress.say(f"    reusing virtualenv {directory}")
        return RouteResult(binaries, f"virtualenv from {requirements.name}")
    shutil.rmtree(directory, ignore_errors=True)  # a half-installed venv is never trusted
    ctx.log.parent.mkdir(parents=True, exist_ok=True)
    python = directory / "bin" / "python"
    steps = [
        [sys.executable, "-m", "venv", str(directory)],
        # --no-deps: the file pins the whole tree, so nothing unpinned can slip in.
        [str(python), "-m", "pip", "install", "--no-deps", "--disable-pip-version-check", "--no-input",
         "--retries", "1", "--timeout", "30", "-r", str(requirements)],
    ]
    ctx.progress.say(f"    virtualenv {directory} from {requirements} (log: {ctx.log})")
    for cmd in steps:
        proc = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=1800)
        with ctx.log.open("a") as fh:
            fh.write(f"\n$ {' '.join(cmd)}\n{proc.stdout}{proc.stderr}")
        if proc.returncode != 0:
            lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
            raise RouteUnavailable(f"`{' '.join(cmd[:4])} …` failed: {lines[-1] if lines else 'no output'} "
                                   f"(log: {ctx.log})")
    missing = [b for b, p in binaries.items() if not p.is_file()]
    if missing:
        raise RouteUnavailable(f"{requirements.name} installed no {', '.join(missing)} into {directory}/bin")
    (directory / COMPLETE).write_text(requirements.read_text())
    return RouteResult(binaries, f"virtualenv from {requirements.name}")
