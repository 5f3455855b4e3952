"""Ask a binary its version, and find binaries on PATH that are not our own links."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from .paths import bin_dir, cache_root
from .versions import Tool


class ProbeError(RuntimeError):
    pass


def reported_version(tool: Tool, binary: Path, timeout: float = 20.0) -> str:
    """The version `binary` reports via the tool's version_command; ProbeError if it can't say."""
    cmd = [str(binary), *tool.version_command[1:]]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ProbeError(f"`{' '.join(cmd)}` could not run: {exc}") from None
    found = tool.version_from_output(proc.stdout + "\n" + proc.stderr)
    if not found:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-1:] or ["no output"]
        raise ProbeError(f"`{' '.join(cmd)}` (exit {proc.returncode}) printed no version: {tail[0][:200]}")
    return found


def on_path(binary: str) -> list[Path]:
    """Every `binary` on PATH, in PATH order, skipping our .bin links and the cache (so a tool is
    never 'found' as the very link this installer made)."""
    ours = [bin_dir().resolve(), cache_root().resolve()]
    seen: set[Path] = set()
    found: list[Path] = []
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        if not entry:
            continue
        candidate = Path(entry) / binary
        if not (candidate.is_file() and os.access(candidate, os.X_OK)):
            continue
        real = candidate.resolve()
        if real in seen or any(real.is_relative_to(p) or Path(entry).resolve() == p for p in ours):
            continue
        seen.add(real)
        found.append(candidate)
    return found
