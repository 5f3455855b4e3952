"""Where things live: the repo, its .bin dir, the versions file and the tool cache.

Read from the environment at call time (not import time) so tests and nested runs can point a
process at a throw-away cache with TODO_APP_CACHE / TODO_APP_BIN / TODO_APP_VERSIONS.
"""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def repo_root() -> Path:
    return REPO_ROOT


def versions_file() -> Path:
    return Path(os.environ.get("TODO_APP_VERSIONS") or REPO_ROOT / "scripts" / "versions.toml")


def bin_dir() -> Path:
    """The project-local dir the README puts first on PATH (gitignored)."""
    return Path(os.environ.get("TODO_APP_BIN") or REPO_ROOT / ".bin")


def cache_root() -> Path:
    """Outside the repo so a fresh clone (or `git clean`) keeps multi-minute builds."""
    return Path(os.environ.get("TODO_APP_CACHE") or Path.home() / ".cache" / "todo-app")


def tools_dir() -> Path:
    return cache_root() / "tools"


def tool_dir(name: str, version: str) -> Path:
    return tools_dir() / f"{name}-{version}"


def build_dir(name: str, version: str) -> Path:
    """Generated Go wrapper modules; kept so a rebuild reuses the resolved go.mod/go.sum."""
    return cache_root() / "build" / f"{name}-{version}"


def web_assets_dir(name: str, version: str) -> Path:
    """Built web UIs embedded into Go builds (tilt's dashboard), one dir per cache key; kept so a
    warm install never runs yarn again (node_modules is never kept)."""
    return cache_root() / "web-assets" / f"{name}-{version}"


def logs_dir() -> Path:
    return cache_root() / "logs"


def state_dir() -> Path:
    return cache_root() / "state"


def run_dir() -> Path:
    return cache_root() / "run"
