"""Route 3c: build from source with the Go toolchain, everything fetched from the Go module proxy.

The wrapper module lives in ~/.cache/todo-app/build/<name>-<version>/ and is reused when it already
matches, so an interrupted or repeated build keeps its resolved go.sum and the Go build cache.
Builds use -trimpath and stamp the version through -ldflags (see versions.toml)."""
from __future__ import annotations

import os
import shutil
import time

from .. import gomod, webui
from ..paths import build_dir
from ..progress import CommandFailed
from . import RouteContext, RouteResult, RouteUnavailable


def build_command(ctx: RouteContext, go: str) -> list[str]:
    spec = ctx.tool.go
    cmd = [go, "build", "-trimpath"]
    if spec.tags:
        cmd += ["-tags", ",".join(spec.tags)]
    if spec.ldflags:
        cmd += ["-ldflags", spec.ldflags]
    if len(spec.packages) == 1:
        out = str(ctx.bin / ctx.tool.binaries[0])
    else:
        out = str(ctx.bin) + "/"  # one binary per package, named after it
    return [*cmd, "-o", out, *spec.packages]


def prepare_wrapper(ctx: RouteContext, go: str, env: dict) -> bool:
    """Write (or reuse) the wrapper module; True when an existing matching one was reused."""
    tool, spec = ctx.tool, ctx.tool.go
    directory = build_dir(tool.name, tool.version)
    try:
        upstream = gomod.upstream_module(go, spec.module, tool.version, env)
        wanted = gomod.wrapper_go_mod(spec, tool.version, upstream.go_mod)
    except gomod.GoModError as exc:
        raise RouteUnavailable(str(exc)) from None
    go_mod, go_sum, tools_go = directory / "go.mod", directory / "go.sum", directory / "tools.go"
    want_tools = gomod.tools_go(spec.packages)
    same = go_mod.exists() and gomod.same_wrapper(go_mod.read_text(), wanted, spec)
    if same and go_sum.exists():
        if not tools_go.exists() or tools_go.read_text() != want_tools:
            tools_go.write_text(want_tools)
        ctx.progress.say(f"    reusing wrapper module {directory}")
        _source_copy(ctx, upstream, directory)
        return True
    if go_mod.exists() and not same:
        # Same tool and version but a different module (someone's local replace or patch):
        # keep their work instead of overwriting it.
        aside = directory.with_name(f"{directory.name}.replaced-{time.strftime('%Y%m%d-%H%M%S')}")
        directory.rename(aside)
        ctx.progress.say(f"    {directory} held a different wrapper module; moved it to {aside}")
    directory.mkdir(parents=True, exist_ok=True)
    tools_go.write_text(want_tools)
    go_mod.write_text(wanted)
    go_sum.write_text("")
    _source_copy(ctx, upstream, directory)
    tidy_with_upstream_sums(ctx, go, env, directory, upstream.go_sum)
    return False


def _source_copy(ctx: RouteContext, upstream: gomod.Upstream, directory) -> None:
    """For a module with a web UI: the writable source copy the wrapper builds from (tidy needs it)."""
    if not ctx.tool.go.web:
        return
    try:
        gomod.copy_module_source(upstream, directory)
    except (gomod.GoModError, OSError) as exc:
        raise RouteUnavailable(f"could not copy the source of {ctx.tool.go.module}: {exc}") from None


def lay_web_ui(ctx: RouteContext) -> None:
    """The built web UI (from the cache, or built now) into the source copy, before `go build`."""
    if not ctx.tool.go.web:
        return
    src = build_dir(ctx.tool.name, ctx.tool.version) / gomod.SOURCE_COPY_DIR
    try:
        webui.build_into(ctx, src, src)
    except webui.WebUIError as exc:
        raise RouteUnavailable(str(exc)) from None


def tidy_with_upstream_sums(ctx: RouteContext, go: str, env: dict, directory, upstream_sum: str) -> None:
    """`go mod tidy`, verified by the checksum database as usual. A few dependencies are missing
    from it (tilt's starlark-lsp pseudo-version answers 404 there): for exactly those, and only
    those, the hash the tool's maintainers recorded in its own go.sum is added and tidy re-run."""
    for _ in range(10):
        start = ctx.log.stat().st_size if ctx.log.exists() else 0
        try:
            ctx.progress.run_logged([go, "mod", "tidy"], ctx.log, what=f"go mod tidy ({directory})",
                                    cwd=directory, env=env)
            return
        except CommandFailed:
            with ctx.log.open(errors="replace") as fh:
                fh.seek(start)
                output = fh.read()
            unknown = sorted(set(gomod.SUMDB_404.findall(output)))
            if not unknown:
                raise
            lines = gomod.sum_lines(upstream_sum, unknown)
            missing = [f"{m}@{v}" for m, v in unknown if not any(ln.startswith(f"{m} {v} ") for ln in lines)]
            if missing:
                raise RouteUnavailable(f"the checksum database has no record of {', '.join(missing)} and "
                                       f"{ctx.tool.go.module}'s go.sum has none either (log: {ctx.log})") from None
            for m, v in unknown:
                ctx.progress.say(f"    checksum database has no record of {m}@{v}: "
                                 f"using the hash from {ctx.tool.go.module}'s own go.sum")
            with (directory / "go.sum").open("a") as fh:
                fh.writelines(ln + "\n" for ln in lines)
    raise RouteUnavailable(f"go mod tidy kept failing (log: {ctx.log})")


def install(ctx: RouteContext) -> RouteResult:
    go = shutil.which("go")
    if not go:
        raise RouteUnavailable("go not found on PATH: install Go >= 1.25 (https://go.dev/dl/ or apt-get install golang-go)")
    env = dict(os.environ) | dict(ctx.tool.go.env)
    try:
        prepare_wrapper(ctx, go, env)
        lay_web_ui(ctx)
        ctx.bin.mkdir(parents=True, exist_ok=True)
        what = f"go build {' '.join(ctx.tool.binaries)}"
        with ctx.progress.step(what):
            ctx.progress.run_logged(build_command(ctx, go), ctx.log, what=what,
                                    cwd=build_dir(ctx.tool.name, ctx.tool.version), env=env)
    except CommandFailed as exc:
        raise RouteUnavailable(str(exc)) from None
    return RouteResult({b: ctx.bin / b for b in ctx.tool.binaries}, "go build (Go module proxy)")
