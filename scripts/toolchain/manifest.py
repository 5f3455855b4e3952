"""A small JSON record per installed tool: what was installed, by which route, where.

It is the version stamp that keeps re-runs fast: when the manifest matches the pinned spec and
every binary still has the recorded size and mtime, nothing is run (no `go`, no `pip`, not even the
binary's own --version).
"""
from __future__ import annotations

import dataclasses
import json
import os
import time
from pathlib import Path

from .paths import tool_dir
from .versions import Tool

SCHEMA = 1


@dataclasses.dataclass
class Manifest:
    name: str
    version: str  # the pin
    reported_version: str  # what the binary says
    route: str
    binaries: dict[str, str]  # name -> absolute path
    digest: str
    fingerprints: dict[str, list[int]] = dataclasses.field(default_factory=dict)
    installed_at: str = ""
    # What the primary binary was verified to contain ([tools.X].must_embed), e.g. its web dashboard.
    embeds: list[str] = dataclasses.field(default_factory=list)

    def binary(self, name: str) -> Path:
        return Path(self.binaries[name])


def path_for(tool: Tool) -> Path:
    return tool_dir(tool.name, tool.version) / "manifest.json"


def _fingerprint(path: Path) -> list[int]:
    st = path.stat()  # follows symlinks: a replaced target invalidates the record
    return [st.st_size, st.st_mtime_ns]


def write(tool: Tool, route: str, reported: str, binaries: dict[str, Path]) -> Manifest:
    """Record an install; callers have checked the version and tool.must_embed."""
    m = Manifest(name=tool.name, version=tool.version, reported_version=reported, route=route,
                 binaries={k: str(v) for k, v in binaries.items()}, digest=tool.digest,
                 fingerprints={k: _fingerprint(v) for k, v in binaries.items()},
                 installed_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"), embeds=sorted(tool.must_embed))
    target = path_for(tool)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps({"schema": SCHEMA, **dataclasses.asdict(m)}, indent=2) + "\n")
    os.replace(tmp, target)
    return m


def read(tool: Tool) -> Manifest | None:
    try:
        data = json.loads(path_for(tool).read_text())
    except (OSError, ValueError):
        return None
    if data.pop("schema", None) != SCHEMA:
        return None
    try:
        return Manifest(**data)
    except TypeError:
        return None


def valid(tool: Tool) -> Manifest | None:
    """The manifest if it still describes exactly what is on disk for this pin, else None."""
    m = read(tool)
    if m is None or m.version != tool.version or m.digest != tool.digest or set(m.binaries) != set(tool.binaries):
        return None
    if not set(tool.must_embed) <= set(m.embeds):  # recorded before that was checked (a stand-in tilt)
        return None
    try:
        if any(_fingerprint(Path(p)) != m.fingerprints.get(n) for n, p in m.binaries.items()):
            return None
    except OSError:
        return None
    return m
