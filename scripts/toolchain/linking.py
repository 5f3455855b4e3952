"""Symlinks in <repo>/.bin, the one dir the README puts first on PATH."""
from __future__ import annotations

import os
from pathlib import Path

from .paths import bin_dir


def link(name: str, target: Path) -> bool:
    """Point .bin/<name> at target; atomic, and a no-op when it already does. True if changed."""
    directory = bin_dir()
    directory.mkdir(parents=True, exist_ok=True)
    dest = directory / name
    target = Path(target).absolute()
    try:
        if os.readlink(dest) == str(target):
            return False
    except OSError:
        pass
    tmp = directory / f".{name}.tmp{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(target)
    os.replace(tmp, dest)
    return True


def linked_target(name: str) -> Path | None:
    try:
        return Path(os.readlink(bin_dir() / name))
    except OSError:
        return None
