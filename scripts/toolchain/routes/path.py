"""Route 1: a binary already on PATH at an acceptable version is used as is (linked, not copied)."""
from __future__ import annotations

from ..probe import ProbeError, on_path, reported_version
from . import RouteContext, RouteResult, RouteUnavailable


def need(accept: str) -> str:
    return f"{accept}x" if accept.endswith(".") else accept


def install(ctx: RouteContext) -> RouteResult:
    tool = ctx.tool
    primary = tool.version_command[0]
    candidates = {b: on_path(b) for b in tool.binaries}
    missing = [b for b, found in candidates.items() if not found]
    if missing:
        raise RouteUnavailable(f"{', '.join(missing)} not on PATH")
    notes = []
    for candidate in candidates[primary]:
        try:
            version = reported_version(tool, candidate)
        except ProbeError as exc:
            notes.append(str(exc))
            continue
        if tool.accepts(version):
            chosen = {b: (candidate if b == primary else _same_dir_first(found, candidate))
                      for b, found in candidates.items()}
            return RouteResult(chosen, f"already on PATH ({candidate})")
        notes.append(f"{candidate} is {version}")
    raise RouteUnavailable(f"on PATH: {'; '.join(notes)}; need {need(tool.accept)}")


def _same_dir_first(found, primary):
    for path in found:
        if path.parent == primary.parent:
            return path
    return found[0]
