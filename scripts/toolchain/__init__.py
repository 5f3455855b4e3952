"""Toolchain bootstrap: pinned tools (scripts/versions.toml) into a cache outside the repo, linked
into <repo>/.bin. Standard library only: it runs before any venv exists.

For other scripts:
    from scripts.toolchain import docker_cli, tool_path, ensure_apt_packages
    docker, env = docker_cli()          # BuildKit-capable docker CLI + env with DOCKER_BUILDKIT=1
    tool_path("kubernetes", "kubelet")  # an installed binary (ToolNotInstalled with the fix if not)
    tool_env()                          # the environment project commands run tools in
"""
from __future__ import annotations

import os
from pathlib import Path

from .apt import AptError, ensure_apt_packages
from .docker_cli import buildkit_env, docker_cli
from .paths import bin_dir


class ToolNotInstalled(RuntimeError):
    pass


def tool_env(base: dict | None = None) -> dict[str, str]:
    """The pinned tools first on PATH (<repo>/.bin) and BuildKit on: what `toolchain env` prints."""
    env = dict(os.environ if base is None else base)
    env["PATH"] = f"{bin_dir()}:{env.get('PATH', '')}"
    return buildkit_env(env)


def tool_path(tool: str, binary: str | None = None) -> Path:
    from . import manifest, versions
    spec = versions.load().tool(tool)
    found = manifest.valid(spec)
    if not found:
        raise ToolNotInstalled(f"{tool} {spec.version} is not installed: run `python3 scripts/toolchain install {tool}`")
    return found.binary(binary or spec.binaries[0])


__all__ = ["AptError", "ToolNotInstalled", "buildkit_env", "docker_cli", "ensure_apt_packages", "tool_env", "tool_path"]
