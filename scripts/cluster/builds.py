"""The cluster's binaries, built from source through the Go module proxy, once.

Upstream programs (Kubernetes, etcd, CoreDNS) are tools in versions.toml: the toolchain builds and
caches them (its Go route: a wrapper module that requires the pinned version). Our own programs
(pause, provisioner) are built here from their modules under scripts/cluster/images/, into the
toolchain's cache dir with a build.json manifest (time taken, source hash), so a present, current
binary is never rebuilt and the benchmark can report cold build times.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from scripts.toolchain import versions

from . import config
from .ui import step

KUBE_COMPONENTS = ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet",
                   "kube-proxy", "kubectl"]


class BuildError(RuntimeError):
    pass


def go_env() -> dict[str, str]:
    env = dict(os.environ)
    # Static binaries: they run FROM scratch (CoreDNS, pause, provisioner) or on any host (etcd).
    env["CGO_ENABLED"] = "0"
    # Never download another Go toolchain: only modules come from the proxy.
    env["GOTOOLCHAIN"] = "local"
    env.setdefault("GOFLAGS", "-buildvcs=false")
    return env


def _manifest(bin_path: Path) -> Path:
    return bin_path.parent.parent / "build.json"


def _read_manifest(bin_path: Path) -> dict | None:
    try:
        return json.loads(_manifest(bin_path).read_text())
    except (OSError, ValueError):
        return None


def _run_logged(cmd: list[str], cwd: Path, log: Path, env: dict[str, str]) -> None:
    with log.open("a") as f:
        f.write(f"$ {' '.join(cmd)}\n")
        f.flush()
        rc = subprocess.run(cmd, cwd=cwd, env=env, stdout=f, stderr=subprocess.STDOUT).returncode
    if rc != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-25:])
        raise BuildError(f"`{' '.join(cmd)}` failed (exit {rc}) in {cwd}; log {log}:\n{tail}")


# The cluster's upstream programs: tools in versions.toml, built by the toolchain's Go route.
UPSTREAM = ("etcd", "coredns")


def upstream_binary(name: str) -> Path:
    """Where the toolchain installs etcd or CoreDNS (its cache dir for the pinned version)."""
    return config.tool_bin(name, versions.load().tool(name).version)


def upstream_missing() -> list[str]:
    return [n for n in UPSTREAM if not upstream_binary(n).exists()]


def _toolchain_install(targets: list[str], missing: Callable[[], list[str]], fix: str) -> None:
    """Upstream programs are the toolchain's job: ask it to install `targets` when any binary is
    `missing()` (first run, or a new pin); still missing afterwards is a BuildError naming `fix`."""
    if not missing():
        return
    print(f"\n  {', '.join(missing())} missing: building with scripts/toolchain (first run only; "
          "minutes on 2 cores)", flush=True)
    subprocess.run([sys.executable, str(config.REPO / "scripts" / "toolchain"), "install", *targets], cwd=config.REPO)
    if still := missing():
        raise BuildError(f"{', '.join(still)} still missing after the toolchain's build (its output above says "
                         f"why). {fix}")


def _go_version() -> str:
    return subprocess.run([config.go_binary(), "env", "GOVERSION"], capture_output=True, text=True).stdout.strip()


def _write_manifest(bin_path: Path, data: dict) -> None:
    _manifest(bin_path).write_text(json.dumps(data, indent=2) + "\n")


def source_hash(src: Path) -> str:
    """Hash of a module's Go sources, go.mod/go.sum and Dockerfile: a change means a rebuild."""
    h = hashlib.sha256()
    for p in sorted(src.rglob("*")):
        if p.is_file() and (p.suffix in (".go", ".mod", ".sum") or p.name == "Dockerfile"):
            h.update(p.relative_to(src).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:12]


def own_binary(name: str) -> Path:
    return config.tool_bin(name, config.cluster_versions()[name])


def build_own(name: str) -> tuple[bool, float]:
    """Build one of our own programs (scripts/cluster/images/<name>) if missing or its source changed."""
    src = config.IMAGES_SRC / name
    binary = own_binary(name)
    digest = source_hash(src)
    m = _read_manifest(binary)
    if binary.exists() and m and m.get("source_hash") == digest:
        return False, 0.0
    env = go_env()
    log = config.CACHE / "logs" / f"build-{name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("")
    binary.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    tmp = binary.with_suffix(".tmp")
    _run_logged([config.go_binary(), "build", "-trimpath", "-ldflags", "-s -w", "-o", str(tmp), "."],
                src, log, env)
    tmp.rename(binary)
    secs = time.monotonic() - start
    # The first (cold) build's time is what the benchmark reports; later rebuilds are incremental.
    first = (m or {}).get("first_build_seconds", (m or {}).get("seconds", round(secs, 1)))
    _write_manifest(binary, {"name": name, "version": config.cluster_versions()[name],
                             "source_hash": digest, "seconds": round(secs, 1), "first_build_seconds": first,
                             "go": _go_version(),
                             "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"), "log": str(log)})
    return True, secs


def kubernetes_missing() -> list[str]:
    return [c for c in KUBE_COMPONENTS if not config.kube_bin(c).exists()]


def ensure_kubernetes() -> None:
    """The Kubernetes binaries: the toolchain builds them in one `go build` from the Go module proxy."""
    _toolchain_install(["kubernetes"], kubernetes_missing,
                       f"Install them with `python3 scripts/toolchain install kubernetes` (builds Kubernetes "
                       f"{config.kube_version()}'s k8s.io/kubernetes/cmd/{{{','.join(KUBE_COMPONENTS)}}} into "
                       f"{config.kube_bin_dir()} with Go from the module proxy).")


def ensure_all() -> None:
    """Every binary `up` needs, building what is missing (prints one line per built item)."""
    with step("kubernetes binaries", quiet_if_fast=True):
        ensure_kubernetes()
    with step("etcd and CoreDNS", quiet_if_fast=True):
        _toolchain_install(list(UPSTREAM), upstream_missing,
                           f"Retry with `python3 scripts/toolchain install {' '.join(UPSTREAM)}`.")
    for name in ("pause", "provisioner"):
        with step(f"build {name}", quiet_if_fast=True):
            build_own(name)


if __name__ == "__main__":  # `python3 -m scripts.cluster.builds` builds everything
    ensure_all()
    sys.exit(0)
