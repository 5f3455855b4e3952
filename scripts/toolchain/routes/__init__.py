"""Install routes. Each takes a RouteContext and returns a RouteResult, or raises
RouteUnavailable with ONE line saying why, so the installer can fall through to the next route."""
from __future__ import annotations

import dataclasses
import os
import shutil
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from ..progress import Progress
    from ..versions import Tool, Versions


class RouteUnavailable(RuntimeError):
    """This route cannot provide the tool here; the message is the one-line reason."""


@dataclasses.dataclass
class RouteContext:
    tool: "Tool"
    versions: "Versions"
    progress: "Progress"
    tool_dir: Path  # ~/.cache/todo-app/tools/<name>-<version>
    log: Path  # this tool+route's log file
    installer: Any = None  # for the bundle route (installs the other tool)

    @property
    def bin(self) -> Path:
        return self.tool_dir / "bin"


@dataclasses.dataclass
class RouteResult:
    binaries: dict[str, Path]
    route: str  # human description recorded in the manifest, e.g. "go build (Go module proxy)"


RouteFn = Callable[[RouteContext], RouteResult]


def place_binaries(staged: dict[str, Path], bin_dir: Path) -> dict[str, Path]:
    """Move verified files into bin/ (same filesystem: atomic renames), executable."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    placed = {}
    for name, src in staged.items():
        src.chmod(src.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH | stat.S_IRUSR)
        dest = bin_dir / name
        os.replace(src, dest)
        placed[name] = dest
    return placed


def staging_dir(tool_dir: Path, kind: str) -> Path:
    """A private scratch dir inside the tool dir (same filesystem as bin/, removed afterwards)."""
    tool_dir.mkdir(parents=True, exist_ok=True)
    path = tool_dir / f".{kind}-{os.getpid()}"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir()
    return path


def all_routes() -> dict[str, RouteFn]:
    from . import bundle, download, go, npm, path, pypi, venv
    return {"path": path.install, "download": download.install, "pypi": pypi.install,
            "npm": npm.install, "go": go.install, "bundle": bundle.install, "venv": venv.install}
