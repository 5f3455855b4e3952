"""Debian packages the project needs: one `apt-get update`, then one install of the missing ones.
Root only; otherwise the exact command is printed (and AptError raised) instead."""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from typing import Iterable

from .lock import cache_lock
from .paths import logs_dir
from .progress import Progress

_updated = False  # apt-get update at most once per process


class AptError(RuntimeError):
    pass


def missing_packages(packages: Iterable[str]) -> list[str]:
    packages = list(dict.fromkeys(packages))
    if not packages:
        return []
    if not shutil.which("dpkg-query"):
        return packages
    proc = subprocess.run(["dpkg-query", "-W", "-f=${Package}\\t${db:Status-Abbrev}\\n", *packages],
                          capture_output=True, text=True)
    installed = {line.split("\t")[0].split(":")[0] for line in proc.stdout.splitlines()
                 if "\t" in line and line.split("\t")[1].startswith("ii")}
    return [p for p in packages if p not in installed]


def install_command(packages: list[str]) -> str:
    sudo = "" if os.geteuid() == 0 else "sudo "
    return f"{sudo}apt-get update && {sudo}apt-get install -y {shlex.join(packages)}"


def ensure_apt_packages(packages: Iterable[str], progress: Progress | None = None) -> list[str]:
    """Install whichever of `packages` are missing; returns what was installed."""
    progress = progress or Progress()
    if not missing_packages(packages):
        return []
    # apt-get refuses to run beside another apt-get (dpkg's lock): one install at a time, and the
    # second finds what the first installed.
    with cache_lock(progress.say, "apt"):
        return _install_missing(packages, progress)


def _install_missing(packages: Iterable[str], progress: Progress) -> list[str]:
    global _updated
    missing = missing_packages(packages)
    if not missing:
        return []
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        why = "not root" if shutil.which("apt-get") else "apt-get not found (not Debian/Ubuntu?)"
        message = f"missing Debian packages: {' '.join(missing)} ({why}); install them with: {install_command(missing)}"
        progress.say(message)
        raise AptError(message)
    log = logs_dir() / "apt.log"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    with progress.step(f"apt-get install {' '.join(missing)}"):
        try:
            if not _updated:
                progress.run_logged(["apt-get", "update"], log, what="apt-get update", env=env)
                _updated = True
            progress.run_logged(["apt-get", "install", "-y", *missing], log, what="apt-get install", env=env)
        except Exception as exc:
            raise AptError(f"{exc}; retry by hand: {install_command(missing)}") from None
    still = missing_packages(missing)
    if still:
        raise AptError(f"apt-get reported success but {' '.join(still)} is still not installed (log: {log})")
    return missing
