"""Images of the cluster's own components (pause, CoreDNS, provisioner).

Each is `FROM scratch` + one static binary built on the host (builds.py), built by the local Docker
engine (no base image is pulled), then imported straight into the cluster containerd's k8s.io namespace
(the kubelet never has to pull them; pause must be there before the first pod anyway) and pushed to the
local registry so a later pull also works. The tag carries the binary's hash, so a changed binary is a
new image and an unchanged one is never rebuilt or re-imported.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import urllib.request
from pathlib import Path

from scripts.toolchain import docker_cli, versions

from . import builds, config

NAMES = ("pause", "coredns", "provisioner")


def _binary(name: str) -> Path:
    if name == "coredns":
        return builds.upstream_binary("coredns")
    return builds.own_binary(name)


def _version(name: str) -> str:
    if name == "coredns":
        return versions.load().tool("coredns").version
    return config.cluster_versions()[name]


def _digest(name: str) -> str:
    """Hash of the binary and Dockerfile; cached beside the binary so it is computed once."""
    binary = _binary(name)
    stamp = binary.with_name(f".{binary.name}.imagehash")
    dockerfile = (config.IMAGES_SRC / name / "Dockerfile").read_bytes()
    st = binary.stat()
    key = f"{st.st_size}:{st.st_mtime_ns}:{hashlib.sha256(dockerfile).hexdigest()[:12]}"
    if stamp.exists():
        k, _, v = stamp.read_text().partition("=")
        if k == key:
            return v.strip()
    h = hashlib.sha256(binary.read_bytes() + dockerfile).hexdigest()[:12]
    stamp.write_text(f"{key}={h}\n")
    return h


def ref(name: str) -> str:
    return f"{config.REGISTRY}/todo-local/{name}:{_version(name)}-{_digest(name)}"


def _docker() -> str:
    return docker_cli()[0]


def docker_env() -> dict[str, str]:
    return docker_cli()[1]


def docker_available() -> bool:
    if not os.path.exists(_docker()):
        return False
    return subprocess.run([_docker(), "version", "--format", "{{.Server.Version}}"], capture_output=True,
                          env=docker_env()).returncode == 0


def _docker_has(image: str) -> bool:
    return subprocess.run([_docker(), "image", "inspect", image], capture_output=True,
                          env=docker_env()).returncode == 0


def build(name: str) -> str:
    image = ref(name)
    if _docker_has(image):
        return image
    with tempfile.TemporaryDirectory(prefix=f"todo-local-{name}-") as ctx:
        shutil.copy2(config.IMAGES_SRC / name / "Dockerfile", Path(ctx) / "Dockerfile")
        shutil.copy2(_binary(name), Path(ctx) / name)
        r = subprocess.run([_docker(), "build", "-q", "-t", image, ctx], capture_output=True, text=True,
                           env=docker_env())
        if r.returncode != 0:
            raise RuntimeError(f"docker build of {image} failed: {r.stderr.strip()[-2000:]}")
    return image


def ctr(state: config.State, *args: str, input_file=None, check: bool = True) -> subprocess.CompletedProcess:
    cmd = [config.which("ctr") or "/usr/bin/ctr", "-a", str(state.containerd_sock), "-n", "k8s.io", *args]
    r = subprocess.run(cmd, stdin=input_file, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"`{' '.join(cmd)}` failed: {r.stderr.strip()}")
    return r


def in_containerd(state: config.State) -> set[str]:
    return set(ctr(state, "images", "ls", "-q").stdout.split())


def import_to_containerd(state: config.State, image: str) -> None:
    """docker save | ctr images import (into the CRI namespace, so the kubelet sees it)."""
    save = subprocess.Popen([_docker(), "save", image], stdout=subprocess.PIPE, env=docker_env())
    try:
        ctr(state, "images", "import", "-", input_file=save.stdout)
    finally:
        save.stdout.close()
        save.wait()
    if save.returncode != 0:
        raise RuntimeError(f"docker save {image} failed")


def in_registry(image: str) -> bool:
    repo_tag = image.split("/", 1)[1]
    repo, tag = repo_tag.rsplit(":", 1)
    req = urllib.request.Request(f"http://{config.REGISTRY}/v2/{repo}/manifests/{tag}", method="HEAD",
                                 headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"})
    try:
        with urllib.request.urlopen(req, timeout=3) as r:
            return r.status == 200
    except OSError:
        return False


def push(image: str) -> None:
    r = subprocess.run([_docker(), "push", image], capture_output=True, text=True, env=docker_env())
    if r.returncode != 0:
        raise RuntimeError(f"docker push {image} failed: {r.stderr.strip()[-1000:]}")


def ensure_in_containerd(state: config.State) -> list[str]:
    """Import any of our images the cluster containerd lacks. Returns the refs imported."""
    have = in_containerd(state)
    missing = [n for n in NAMES if ref(n) not in have]
    if missing and not docker_available():
        raise RuntimeError("the Docker engine is needed to build the cluster's images "
                           f"({', '.join(missing)}) but `{_docker()} version` cannot reach dockerd; "
                           "start it with `python3 scripts/toolchain install docker` and retry")
    done = []
    for n in missing:
        image = build(n)
        import_to_containerd(state, image)
        done.append(image)
    return done


def ensure_in_registry() -> list[str]:
    pushed = []
    for n in NAMES:
        image = ref(n)
        if not in_registry(image):
            if not _docker_has(image):
                build(n)
            push(image)
            pushed.append(image)
    return pushed


def manifest_json(state: config.State) -> str:
    return json.dumps({n: ref(n) for n in NAMES})
