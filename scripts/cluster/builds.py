"""Build the cluster's binaries from source through the Go module proxy, once.

Upstream programs (etcd, CoreDNS) are built from a tiny cached wrapper module in
~/.cache/todo-app/build/<name>-<version>/ that requires the pinned upstream version, so no upstream
repository is cloned and the result is reproducible (-trimpath, version stamped). Our own programs
(pause, provisioner) are built from their modules under scripts/cluster/images/. Every binary goes
to ~/.cache/todo-app/tools/<name>-<version>/bin/ with a build.json manifest (time taken, source hash)
so a present, current binary is never rebuilt and the benchmark can report cold build times.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

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


@dataclass(frozen=True)
class Upstream:
    """An upstream Go program built through a wrapper module."""
    name: str
    version: str
    module: str          # the module required by the wrapper
    package: str         # the main package to build
    ldflags: str = ""

    @property
    def binary(self) -> Path:
        return config.tool_bin(self.name, self.version)

    @property
    def wrapper_dir(self) -> Path:
        return config.BUILD / f"{self.name}-{self.version}"


def upstreams() -> dict[str, Upstream]:
    v = config.cluster_versions()
    etcd, coredns = v["etcd"], v["coredns"]
    return {
        # etcdmain.Main is what etcd's own main() calls; the server module is the only one needed.
        "etcd": Upstream("etcd", etcd, "go.etcd.io/etcd/server/v3", "todo-app.local/etcd-wrapper",
                         "-X go.etcd.io/etcd/api/v3/version.GitSHA=v" + etcd),
        # CoreDNS's go.mod has no replace directives (checked for 1.14.7), so requiring it is enough.
        "coredns": Upstream("coredns", coredns, "github.com/coredns/coredns", "github.com/coredns/coredns",
                            "-X github.com/coredns/coredns/coremain.GitCommit=v" + coredns),
    }


ETCD_MAIN = '''// Command etcd is upstream etcd's server entry point, built from the Go module proxy.
package main

import (
\t"os"

\t"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
'''

TOOLS_GO = '''//go:build tools

// Package tools pins the program built from this wrapper module.
package tools

import _ "{pkg}"
'''


def _prepare_wrapper(u: Upstream, log: Path, env: dict[str, str]) -> None:
    d = u.wrapper_dir
    d.mkdir(parents=True, exist_ok=True)
    gomod = d / "go.mod"
    if gomod.exists() and (d / "go.sum").exists() and f"{u.module} v{u.version}" in gomod.read_text():
        return
    gomod.write_text(f"module todo-app.local/{u.name}-wrapper\n\ngo 1.25\n\nrequire {u.module} v{u.version}\n")
    if u.name == "etcd":
        (d / "main.go").write_text(ETCD_MAIN)
    else:
        (d / "tools.go").write_text(TOOLS_GO.format(pkg=u.package))
    _run_logged([config.go_binary(), "mod", "tidy"], d, log, env)


def build_upstream(u: Upstream) -> tuple[bool, float]:
    """Build if missing. Returns (built, seconds)."""
    if u.binary.exists() and _read_manifest(u.binary):
        return False, 0.0
    env = go_env()
    log = config.CACHE / "logs" / f"build-{u.name}-{u.version}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("")
    start = time.monotonic()
    _prepare_wrapper(u, log, env)
    u.binary.parent.mkdir(parents=True, exist_ok=True)
    tmp = u.binary.with_suffix(".tmp")
    _run_logged([config.go_binary(), "build", "-trimpath", "-ldflags", f"-s -w {u.ldflags}".strip(),
                 "-o", str(tmp), u.package], u.wrapper_dir, log, env)
    tmp.rename(u.binary)
    secs = time.monotonic() - start
    _write_manifest(u.binary, {"name": u.name, "version": u.version, "module": u.module,
                               "seconds": round(secs, 1), "go": _go_version(),
                               "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"), "log": str(log)})
    return True, secs


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
    """The Kubernetes binaries are the toolchain's job (scripts/toolchain builds them in one
    `go build` from the Go module proxy); we ask it to install them when any is missing."""
    if not kubernetes_missing():
        return
    toolchain = config.REPO / "scripts" / "toolchain"
    if toolchain.is_dir():
        print(f"\n  Kubernetes {config.kube_version()} binaries missing: building them with scripts/toolchain "
              "(first run only; several minutes on 2 cores)", flush=True)
        subprocess.run([sys.executable, str(toolchain), "install", "kubernetes"], cwd=config.REPO)
    missing = kubernetes_missing()
    if missing:
        raise BuildError(
            f"Kubernetes {config.kube_version()} binaries missing in {config.kube_bin_dir()}: {', '.join(missing)}.\n"
            f"Install them with `python3 scripts/toolchain install kubernetes` (builds "
            f"k8s.io/kubernetes/cmd/{{{','.join(KUBE_COMPONENTS)}}} with Go from the module proxy).")


def ensure_all() -> None:
    """Every binary `up` needs, building what is missing (prints one line per built item)."""
    with step("kubernetes binaries", quiet_if_fast=True):
        ensure_kubernetes()
    for u in upstreams().values():
        if not (u.binary.exists() and _read_manifest(u.binary)):
            with step(f"build {u.name} {u.version} (first run only)"):
                build_upstream(u)
    for name in ("pause", "provisioner"):
        with step(f"build {name}", quiet_if_fast=True):
            build_own(name)


if __name__ == "__main__":  # `python3 -m scripts.cluster.builds` builds everything
    ensure_all()
    sys.exit(0)
