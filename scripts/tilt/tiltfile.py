"""What the Tiltfile says about live update, read from the Tiltfile: its one owner.

The Tiltfile writes each service's sync rules literally (you read the loop there, not in Python);
the helpers that must know what a save syncs (the checks that run on those saves, the loop's
telemetry, live_gate) read them from it instead of keeping a second list. Tilt offers no way to ask
for them without a running session (`tilt alpha tiltfile-result` evaluates the whole file, deploying
nothing but running every local()), so the calls are read from the text: `sync('<src>', '<dst>')`
with literal strings, which is how the Tiltfile writes them and what tests/tilt/test_tiltfile_syncs.py
holds it to.
"""
from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TILTFILE = REPO / "Tiltfile"
SYNC = re.compile(r"""\bsync\(\s*'([^']+)'\s*,\s*'([^']+)'\s*\)""")


class TiltfileError(Exception):
    pass


def live_syncs(tiltfile: Path = TILTFILE) -> dict[str, list[tuple[str, str]]]:
    """Each service (the first part of a sync's local path: its build context) → its (src, dst)
    sync pairs, in the Tiltfile's order."""
    code = "\n".join(line.split("#", 1)[0] for line in tiltfile.read_text().splitlines())  # not comments
    out: dict[str, list[tuple[str, str]]] = {}
    for src, dst in SYNC.findall(code):
        out.setdefault(src.split("/", 1)[0], []).append((src, dst))
    if not out:
        raise TiltfileError(f"{tiltfile}: no live-update sync('<local path>', '<container path>') call found; "
                            f"the checks and the loop's telemetry read the synced paths from there")
    return out


def synced_sources(repo: Path = REPO, tiltfile: Path | None = None) -> dict[str, list[str]]:
    """Each live-updated service → the local paths its live update syncs that exist (the Tiltfile
    syncs frontend/public only when there is one)."""
    return {service: [src for src, _ in pairs if (repo / src).exists()]
            for service, pairs in live_syncs(tiltfile or repo / "Tiltfile").items()}
