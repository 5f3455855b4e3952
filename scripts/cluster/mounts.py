"""Unmount everything mounted under the state directory (pod volumes, container rootfs, sandbox shm,
network-namespace bind mounts), deepest first. Nothing outside the state directory is touched."""
from __future__ import annotations

import ctypes
import re
from pathlib import Path

MNT_DETACH = 2
_libc = ctypes.CDLL(None, use_errno=True)


def _unescape(path: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), path)


def under(root: Path) -> list[str]:
    prefix = str(root).rstrip("/") + "/"
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        mp = _unescape(line.split()[4])
        if mp.startswith(prefix) or mp == prefix.rstrip("/"):
            found.append(mp)
    return found


def unmount_all(root: Path) -> tuple[int, list[str]]:
    """Returns (number unmounted, mount points that stayed)."""
    count = 0
    for _round in range(5):
        points = sorted(set(under(root)), key=lambda p: p.count("/"), reverse=True)
        if not points:
            break
        for mp in points:
            b = mp.encode()
            if _libc.umount2(b, 0) == 0 or _libc.umount2(b, MNT_DETACH) == 0:
                count += 1
    return count, under(root)
