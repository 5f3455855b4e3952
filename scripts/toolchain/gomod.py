"""Generate the wrapper module a tool is built through.

`go install module@version` ignores the module's replace directives, and tilt and kubernetes both
need theirs, so we build through a tiny main module that requires the tool at the pinned version
and repeats its replace directives, read from the tool's own go.mod (never hard-coded).
k8s.io/kubernetes replaces its staging modules with ./staging/... paths that exist only in its
repo; the wrapper points each at the published release (v0.<minor>.<patch>) instead.
"""
from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from .versions import GoBuild

# With a web UI to embed, the wrapper builds the module from this copy of its source (inside the
# wrapper dir), into which the built UI is laid (see scripts/toolchain/webui).
SOURCE_COPY_DIR = "./src"
LOCAL_PATH = re.compile(r"^(\./|\.\./|/)")
# `go mod tidy` output when sum.golang.org has no record of a module version.
SUMDB_404 = re.compile(r"verifying (?:module: )?(\S+?)@(\S+?): reading \S+/lookup/\S+: 404 Not Found")


class GoModError(RuntimeError):
    pass


@dataclasses.dataclass(frozen=True)
class Replace:
    old: str
    old_version: str | None
    new: str
    new_version: str | None

    def render(self) -> str:
        left = f"{self.old} {self.old_version}" if self.old_version else self.old
        right = f"{self.new} {self.new_version}" if self.new_version else self.new
        return f"{left} => {right}"


@dataclasses.dataclass
class GoMod:
    module: str = ""
    go: str = ""
    requires: dict[str, str] = dataclasses.field(default_factory=dict)
    replaces: list[Replace] = dataclasses.field(default_factory=list)


def parse(text: str) -> GoMod:
    """The directives we need from a go.mod: module, go, require, replace (comments dropped)."""
    mod = GoMod()
    block = None
    for raw in text.splitlines():
        line = raw.split("//", 1)[0].strip()
        if not line:
            continue
        if block:
            if line == ")":
                block = None
                continue
            _directive(mod, block, line)
            continue
        verb, _, rest = line.partition(" ")
        rest = rest.strip()
        if rest == "(":
            block = verb
        else:
            _directive(mod, verb, rest)
    return mod


def _directive(mod: GoMod, verb: str, rest: str) -> None:
    if verb == "module":
        mod.module = rest.strip('"')
    elif verb == "go":
        mod.go = rest
    elif verb == "require":
        parts = rest.split()
        if len(parts) >= 2:
            mod.requires[parts[0]] = parts[1]
    elif verb == "replace":
        left, arrow, right = rest.partition("=>")
        if not arrow:
            raise GoModError(f"cannot parse replace directive: {rest!r}")
        lp, rp = left.split(), right.split()
        mod.replaces.append(Replace(lp[0], lp[1] if len(lp) > 1 else None, rp[0], rp[1] if len(rp) > 1 else None))


@dataclasses.dataclass(frozen=True)
class Upstream:
    go_mod: str
    go_sum: str  # "" when the module ships none
    source_dir: Path | None = None  # the extracted module in the module cache


def upstream_module(go: str, module: str, version: str, env: dict | None = None) -> Upstream:
    """The tool's own go.mod and go.sum, from the Go module proxy (`go mod download -json`)."""
    with tempfile.TemporaryDirectory() as outside_any_module:
        proc = subprocess.run([go, "mod", "download", "-json", f"{module}@v{version}"], cwd=outside_any_module,
                              capture_output=True, text=True, env=env, timeout=900, stdin=subprocess.DEVNULL)
    try:
        info = json.loads(proc.stdout)
    except ValueError:
        info = {}
    if proc.returncode != 0 or "GoMod" not in info:
        lines = [ln for ln in (info.get("Error") or proc.stderr).splitlines() if ln.strip()] or ["no output"]
        raise GoModError(f"go mod download {module}@v{version} failed: {lines[-1]}")
    go_sum = Path(info.get("Dir", "/nonexistent")) / "go.sum"
    return Upstream(Path(info["GoMod"]).read_text(), go_sum.read_text() if go_sum.is_file() else "",
                    Path(info["Dir"]) if info.get("Dir") else None)


def wrapper_replaces(spec: GoBuild, upstream: GoMod) -> list[Replace]:
    out = []
    for r in upstream.replaces:
        if LOCAL_PATH.match(r.new):
            if spec.drop_local_replaces:
                continue
            if not spec.local_replace_version:
                raise GoModError(f"{spec.module} replaces {r.old} with the local path {r.new}, which a "
                                 "wrapper module cannot use: set local_replace_version (or drop_local_replaces) in scripts/versions.toml")
            out.append(Replace(r.old, None, r.old, spec.local_replace_version))
        else:
            out.append(r)
    return out


def wrapper_go_mod(spec: GoBuild, version: str, upstream_text: str) -> str:
    """The seed go.mod (before `go mod tidy` fills in the indirect requirements)."""
    upstream = parse(upstream_text)
    lines = [f"module {spec.wrapper_module}", "", f"go {upstream.go}", "", f"require {spec.module} v{version}"]
    replaces = wrapper_replaces(spec, upstream)
    if spec.web:
        replaces.append(Replace(spec.module, None, SOURCE_COPY_DIR, None))
    if replaces:
        lines += ["", "replace ("] + [f"\t{r.render()}" for r in replaces] + [")"]
    return "\n".join(lines) + "\n"


def copy_module_source(upstream: Upstream, wrapper_dir: Path) -> Path:
    """A writable copy of the module's source next to the wrapper, redone on every build so it
    always matches the pinned version (the module cache itself is read-only)."""
    if upstream.source_dir is None:
        raise GoModError("the Go module proxy gave no source directory for the module")
    target = wrapper_dir / SOURCE_COPY_DIR
    if target.exists():
        shutil.rmtree(target)
    # web/node_modules may exist in a module cache someone built in by hand: never copied.
    shutil.copytree(upstream.source_dir, target, ignore=shutil.ignore_patterns("node_modules"))
    for dirpath, _dirs, files in os.walk(target):
        os.chmod(dirpath, 0o755)
        for f in files:
            os.chmod(os.path.join(dirpath, f), 0o644)
    return target


def tools_go(packages: tuple[str, ...]) -> str:
    """Imports the commands so `go mod tidy` keeps everything they need (never compiled: build tag)."""
    if len(packages) == 1:
        return f'//go:build tools\npackage tools\nimport _ "{packages[0]}"\n'
    body = "".join(f' _ "{p}"\n' for p in packages)
    return f"//go:build tools\npackage tools\nimport (\n{body})\n"


def same_wrapper(existing_text: str, wanted_text: str, spec: GoBuild) -> bool:
    """True when an existing (tidied) go.mod is the wrapper we would generate: same module path,
    same pinned requirement, same replace set. Then its go.sum and module graph are reused as is,
    which is what lets a rebuild hit the Go build cache."""
    have, want = parse(existing_text), parse(wanted_text)
    return (have.module == want.module
            and have.requires.get(spec.module) == want.requires.get(spec.module)
            and set(have.replaces) == set(want.replaces))


def sum_lines(go_sum: str, modules: list[tuple[str, str]]) -> list[str]:
    """The go.sum lines (zip and go.mod hashes) for the given module versions."""
    prefixes = [f"{m} {v} " for m, v in modules] + [f"{m} {v}/go.mod " for m, v in modules]
    return [ln for ln in go_sum.splitlines() if any(ln.startswith(p) for p in prefixes)]
