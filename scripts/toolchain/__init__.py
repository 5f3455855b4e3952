"""Toolchain bootstrap: pinned tools (scripts/versions.toml) into a cache outside the repo, linked
into <repo>/.bin. Standard library only: it runs before any venv exists.

For other scripts:
    from scripts.toolchain import docker_cli, tool_path, ensure_apt_packages
    docker, env = docker_cli()          # BuildKit-capable docker CLI + env with DOCKER_BUILDKIT=1
    tool_path("kubernetes", "kubelet")  # an installed binary (ToolNotInstalled with the fix if not)
"""
from __future__ import annotations

from pathlib import Path

from .apt import AptError, ensure_apt_packages
from .docker_cli import docker_cli


class ToolNotInstalled(RuntimeError):
    pass


def tool_path(tool: str, binary: str | None = None) -> Path:
    from . import manifest, versions
    spec = versions.load().tool(tool)
    found = manifest.valid(spec)
    if not found:
        raise ToolNotInstalled(f"{tool} {spec.version} is not installed: run `python3 scripts/toolchain install {tool}`")
    return found.binary(binary or spec.binaries[0])


__all__ = ["AptError", "ToolNotInstalled", "docker_cli", "ensure_apt_packages", "tool_path"]
