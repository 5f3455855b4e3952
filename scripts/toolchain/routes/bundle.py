"""Route 4 for kubectl: take it from the Kubernetes build (one go build makes every component)."""
from __future__ import annotations

from . import RouteContext, RouteResult, RouteUnavailable


def install(ctx: RouteContext) -> RouteResult:
    other = ctx.versions.tool(ctx.tool.bundle)
    try:
        made = ctx.installer.ensure(other)
    except Exception as exc:  # its own routes already explained themselves above
        first = str(exc).splitlines()[0]
        raise RouteUnavailable(f"{other.name} {other.version} could not be installed: {first}") from None
    return RouteResult({b: made.binary(b) for b in ctx.tool.binaries},
                       f"built with {other.name} {other.version} ({made.route})")
