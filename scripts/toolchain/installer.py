"""Install one tool: cached manifest → binaries already in the cache dir → routes in order.

A route failure prints one line and falls through to the next; when every route fails,
ToolInstallError names each route tried, why it failed, and what to install by hand.
"""
from __future__ import annotations

from pathlib import Path

from . import embedded, linking, manifest
from .lock import cache_lock
from .manifest import Manifest
from .paths import logs_dir, tool_dir
from .probe import ProbeError, reported_version
from .progress import Progress
from .routes import RouteContext, RouteFn, RouteUnavailable, all_routes
from .routes.path import need
from .versions import Tool, Versions


class ToolInstallError(RuntimeError):
    def __init__(self, tool: Tool, attempts: list[tuple[str, str]]):
        self.tool, self.attempts = tool, attempts
        tried = "\n".join(f"  - {kind}: {why}" for kind, why in attempts)
        super().__init__(f"could not install {tool.name} {tool.version}; routes tried:\n{tried}\n"
                         f"  fix: {tool.manual}, then re-run `python3 scripts/toolchain install {tool.name}`")


class Installer:
    def __init__(self, versions: Versions, progress: Progress, routes: dict[str, RouteFn] | None = None):
        self.versions = versions
        self.progress = progress
        self.routes = routes if routes is not None else all_routes()
        self._done: dict[str, Manifest] = {}

    def ensure(self, tool: Tool) -> Manifest:
        if tool.name in self._done:
            return self._done[tool.name]
        with cache_lock(self.progress.say, tool.name):  # another process may be installing it
            found = self._ensure_locked(tool)
        self._done[tool.name] = found
        return found

    def _ensure_locked(self, tool: Tool) -> Manifest:
        found = manifest.valid(tool)
        if found:
            self.progress.say(f"ok {tool.name} {found.reported_version} ({found.route})")
        else:
            with self.progress.step(f"{tool.name} {tool.version}"):
                found = self._adopt(tool) or self._run_routes(tool)
                self.progress.say(f"    {tool.name} {found.reported_version}: {found.route}")
        for name in tool.link:
            linking.link(name, found.binary(name))
        return found

    def _adopt(self, tool: Tool) -> Manifest | None:
        """Binaries already in place (a previous install whose spec digest changed, or a cache
        filled by hand/by an earlier bootstrap) are verified by asking their version, not rebuilt."""
        if tool.venv_requirements:
            # A venv's content is its requirements file, which --version does not show; the venv
            # route itself reuses a finished venv of the same file in a second.
            return None
        previous = manifest.read(tool)
        if previous and previous.version == tool.version and set(previous.binaries) == set(tool.binaries):
            binaries, route = {n: Path(p) for n, p in previous.binaries.items()}, previous.route
        else:
            binaries = {b: tool_dir(tool.name, tool.version) / "bin" / b for b in tool.binaries}
            route = "already in the cache"
        if not all(p.is_file() for p in binaries.values()):
            return None
        try:
            version = reported_version(tool, binaries[tool.version_command[0]])
        except ProbeError:
            return None
        if not tool.accepts(version):
            return None
        lacks = embedded.missing(tool, binaries[tool.version_command[0]])
        if lacks:
            self.progress.say(f"    not reusing the cached {tool.name}: "
                              f"{embedded.describe_missing(tool, binaries[tool.version_command[0]], lacks)}")
            return None
        return manifest.write(tool, route, version, binaries)

    def _run_routes(self, tool: Tool) -> Manifest:
        attempts: list[tuple[str, str]] = []
        primary = tool.version_command[0]
        for kind in tool.routes:
            ctx = RouteContext(tool=tool, versions=self.versions, progress=self.progress,
                               tool_dir=tool_dir(tool.name, tool.version),
                               log=logs_dir() / f"{tool.name}-{tool.version}-{kind}.log", installer=self)
            try:
                result = self.routes[kind](ctx)
                version = reported_version(tool, result.binaries[primary])
                if not tool.accepts(version):
                    raise RouteUnavailable(f"it produced {tool.name} {version}, need {need(tool.accept)}")
                lacks = embedded.missing(tool, result.binaries[primary])
                if lacks:
                    raise RouteUnavailable(embedded.describe_missing(tool, result.binaries[primary], lacks))
                return manifest.write(tool, result.route, version, result.binaries)
            except RouteUnavailable as exc:
                why = str(exc)
            except (KeyboardInterrupt, SystemExit):
                raise
            except Exception as exc:  # any surprise in one route must not hide the others
                why = f"{type(exc).__name__}: {exc}"
            why = " ".join(why.split())  # exactly one line
            attempts.append((kind, why))
            nxt = "trying the next route" if kind != tool.routes[-1] else "no routes left"
            self.progress.say(f"    {kind} route: {why} -> {nxt}")
        raise ToolInstallError(tool, attempts)
