"""Does an installed binary contain what it must ([tools.X].must_embed in versions.toml)?

For tilt: its web dashboard. Go's //go:embed stores every embedded file's name uncompressed in
the binary, so a tilt with the React dashboard contains `static/js/main.<hash>.js` (and its
index.html references it) while a plain `go install` build (pkg/assets/build holds only robots.txt)
or our earlier stand-in page does not. Scanning the file is why this check was chosen over
starting `tilt up` briefly: ~0.1 s for a 130 MB binary, no port, no Tiltfile, no cluster, and the
same answer for the official release binary (which embeds the same build).
"""
from __future__ import annotations

import mmap
from pathlib import Path

from .versions import Tool


def contains(binary: Path, needle: bytes) -> bool:
    with open(binary, "rb") as fh:
        try:
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
                return data.find(needle) != -1
        except ValueError:  # an empty file cannot be mapped
            return False


def missing(tool: Tool, binary: Path) -> list[str]:
    """The descriptions of what `binary` lacks (empty when it has everything, or nothing is required).
    An unreadable binary lacks everything."""
    try:
        return [what for what, needle in tool.must_embed.items() if not contains(binary, needle.encode())]
    except OSError:
        return list(tool.must_embed)


def describe_missing(tool: Tool, binary: Path, lacks: list[str]) -> str:
    return (f"{binary} lacks {' and '.join(lacks)} "
            f"(no {', '.join(repr(tool.must_embed[w]) for w in lacks)} in the binary)")
