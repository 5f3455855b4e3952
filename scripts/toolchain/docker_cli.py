"""Which docker CLI the project runs, so `DOCKER_BUILDKIT=1 docker build` works.

A Docker 23+ CLI builds with BuildKit only through the buildx plugin; this machine's
/usr/local/bin/docker (28.x) has none, while Debian's /usr/bin/docker (20.10) has BuildKit built
in. The chosen CLI is linked as <repo>/.bin/docker and remembered in the cache (state/docker-cli.json)
so later calls cost a stat, not a probe build.

Other scripts: `from scripts.toolchain import docker_cli; path, env = docker_cli()`.
"""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import tempfile
from pathlib import Path

from . import linking
from .paths import state_dir
from .probe import on_path

WELL_KNOWN = (Path("/usr/bin/docker"), Path("/usr/local/bin/docker"))


class DockerCliError(RuntimeError):
    pass


@dataclasses.dataclass
class DockerCli:
    path: str
    reason: str


def buildkit_env(base: dict | None = None) -> dict:
    return {**(os.environ if base is None else base), "DOCKER_BUILDKIT": "1"}


def candidates() -> list[Path]:
    seen, out = set(), []
    for path in [*on_path("docker"), *WELL_KNOWN]:
        if path.is_file() and os.access(path, os.X_OK) and path.resolve() not in seen:
            seen.add(path.resolve())
            out.append(path)
    return out


def has_buildx(cli: Path) -> bool:
    try:
        return subprocess.run([str(cli), "buildx", "version"], capture_output=True, timeout=15).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def client_version(cli: Path) -> str | None:
    try:  # prints the client part even when no engine answers
        proc = subprocess.run([str(cli), "version", "--format", "{{.Client.Version}}"],
                              capture_output=True, text=True, timeout=15)
    except (OSError, subprocess.TimeoutExpired):
        return None
    first = proc.stdout.strip().splitlines()[:1]
    return first[0] if first else None


def builds_with_buildkit(cli: Path, timeout: float = 120) -> tuple[bool, str]:
    """A real BuildKit build of a one-file scratch image, exported to a dir (no image left behind)."""
    with tempfile.TemporaryDirectory() as tmp:
        ctx = Path(tmp) / "ctx"
        ctx.mkdir()
        (ctx / "Dockerfile").write_text("FROM scratch\nCOPY probe.txt /probe.txt\n")
        (ctx / "probe.txt").write_text("buildkit probe\n")
        out = Path(tmp) / "out"
        try:
            proc = subprocess.run([str(cli), "build", "--output", f"type=local,dest={out}", str(ctx)],
                                  capture_output=True, text=True, timeout=timeout, env=buildkit_env())
        except (OSError, subprocess.TimeoutExpired) as exc:
            return False, f"probe build could not run: {exc}"
        if proc.returncode == 0 and (out / "probe.txt").exists():
            return True, "builds with DOCKER_BUILDKIT=1"
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        return False, lines[0] if lines else f"probe build exit {proc.returncode}"


def choose(engine_up: bool) -> DockerCli:
    """First CLI with buildx; else the first that really builds with BuildKit (engine up) or whose
    client predates 23.0 (BuildKit built in, engine down)."""
    found = candidates()
    if not found:
        raise DockerCliError("no docker CLI found: install Debian's docker.io (`apt-get install docker.io`)")
    for cli in found:
        if has_buildx(cli):
            return DockerCli(str(cli), "has the buildx plugin")
    rejected = []
    for cli in found:
        if engine_up:
            ok, why = builds_with_buildkit(cli)
            if ok:
                return DockerCli(str(cli), f"{why} (no buildx plugin needed)")
            rejected.append(f"{cli}: {why}")
        else:
            version = client_version(cli) or "?"
            major = version.split(".")[0]
            if major.isdigit() and int(major) < 23:
                return DockerCli(str(cli), f"client {version} has BuildKit built in")
            rejected.append(f"{cli}: client {version} without buildx")
    raise DockerCliError("no docker CLI here can build with BuildKit (" + "; ".join(rejected) + "): install "
                         "Debian's docker.io (its 20.10 CLI has BuildKit built in) or the docker-buildx-plugin")


def _state_file() -> Path:
    return state_dir() / "docker-cli.json"


def _fingerprint(path: str) -> list[int]:
    st = Path(path).stat()
    return [st.st_size, st.st_mtime_ns]


def remembered() -> DockerCli | None:
    try:
        data = json.loads(_state_file().read_text())
        if _fingerprint(data["path"]) == data["fingerprint"]:
            return DockerCli(data["path"], data["reason"])
    except (OSError, ValueError, KeyError):
        pass
    return None


def ensure_cli(engine_up: bool) -> DockerCli:
    """Pick (or recall) the CLI and link it as .bin/docker."""
    cli = remembered()
    if cli is None:
        cli = choose(engine_up)
        if engine_up:  # only a choice proven by a real build is worth remembering
            _state_file().parent.mkdir(parents=True, exist_ok=True)
            _state_file().write_text(json.dumps({**dataclasses.asdict(cli), "fingerprint": _fingerprint(cli.path)}))
    linking.link("docker", Path(cli.path))
    return cli


def docker_cli() -> tuple[str, dict]:
    """(path of a BuildKit-capable docker CLI, environment with DOCKER_BUILDKIT=1) for subprocess."""
    cli = remembered()
    if cli is None:
        from .docker_engine import engine_answers
        cli = ensure_cli(engine_up=any(engine_answers(c) for c in candidates()[:1]))
    return cli.path, buildkit_env()
