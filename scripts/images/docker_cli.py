"""Thin wrappers around the docker CLI (subprocess, no SDK: nothing extra to install)."""
from __future__ import annotations

import json
import os
import subprocess
from typing import Sequence

from scripts.toolchain import docker_cli


class DockerError(RuntimeError):
    pass


def cli() -> str:
    """The BuildKit-capable docker CLI the toolchain chose (remembered in its cache: a stat, not a probe)."""
    return docker_cli()[0]


def docker_env() -> dict:
    """The toolchain's environment for its chosen CLI (BuildKit on: cache mounts, stage skipping)."""
    return docker_cli()[1]


def run(args: Sequence[str], *, check: bool = True, capture: bool = True,
        timeout: float | None = None, input: bytes | None = None) -> subprocess.CompletedProcess:
    docker, env = docker_cli()
    try:
        proc = subprocess.run([docker, *args], env=env, capture_output=capture, timeout=timeout,
                              input=input)
    except FileNotFoundError as exc:
        raise DockerError(f"{docker} not found: install Debian's docker.io (apt-get install docker.io), "
                          "then `python3 scripts/toolchain install docker`") from exc
    if check and proc.returncode != 0:
        err = (proc.stderr or b"").decode(errors="replace").strip() if capture else ""
        raise DockerError(f"`docker {' '.join(args[:3])} ...` failed ({proc.returncode}): {err[-2000:]}")
    return proc


def out(args: Sequence[str], **kw) -> str:
    return run(args, **kw).stdout.decode().strip()


def image_exists(ref: str) -> bool:
    return run(["image", "inspect", ref], check=False).returncode == 0


def image_inspect(ref: str) -> dict:
    return json.loads(out(["image", "inspect", ref]))[0]


def image_size(ref: str) -> int:
    """Uncompressed size in bytes, as `docker images` shows it."""
    return int(image_inspect(ref)["Size"])


def try_pull(ref: str, timeout: float = 20.0) -> tuple[bool, str]:
    """Pull with a short timeout; returns (ok, reason)."""
    try:
        proc = run(["pull", "--quiet", ref], check=False, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, f"`docker pull {ref}` timed out after {timeout:.0f}s"
    if proc.returncode == 0:
        return True, f"pulled {ref}"
    msg = (proc.stderr or b"").decode(errors="replace").strip().splitlines()
    return False, f"`docker pull {ref}` failed: {msg[-1] if msg else 'unknown error'}"


def bridge_usable() -> tuple[bool, str]:
    """Whether containers on the default bridge network can start.

    A second dockerd started with `--bridge none` deletes the shared `docker0` interface
    (moby removes it on start-up), after which every bridge container fails with
    "could not find bridge docker0"."""
    from pathlib import Path
    try:
        opts = json.loads(out(["network", "inspect", "bridge", "--format", "{{json .Options}}"]))
    except (DockerError, ValueError):
        return False, "the engine has no default bridge network"
    name = opts.get("com.docker.network.bridge.name", "docker0")
    if Path("/sys/class/net", name).exists():
        return True, f"bridge interface {name} is up"
    return False, f"bridge interface {name} is missing (deleted by a dockerd started with --bridge none?)"


def build_network() -> tuple[str | None, str]:
    """Network for RUN steps: the default bridge when it works, else the host's network."""
    forced = os.environ.get("TODO_APP_BUILD_NETWORK")
    if forced:
        return forced, "TODO_APP_BUILD_NETWORK"
    ok, why = bridge_usable()
    return (None, why) if ok else ("host", why)
