"""Build todo-backend / todo-frontend images (dev and runtime targets) with BuildKit.

Tags: <image>:<target> (what Tilt/Helm/tests use) and <image>:<target>-<content hash>, where the
hash covers the build context files, the Dockerfile, the target and the base image, so the same
sources always get the same content tag.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from scripts import project

from . import docker_cli
from .bases import log, resolve_bases
from .config import CACHE_ROOT, DOCKER_DIR, IMAGE_NAMES, REPO_ROOT, SERVICES, TARGETS

BASE_ARG = {"backend": "PYTHON_BASE", "frontend": "NODE_BASE"}
# Files each Dockerfile needs before it can build; checked up front for a clear error.
REQUIRED = {"backend": ("requirements.txt", "requirements-dev.txt", "alembic.ini", "app/__init__.py"),
            "frontend": ("package.json", "package-lock.json")}


@dataclass
class BuildResult:
    service: str
    target: str
    tags: list[str]
    seconds: float
    size: int
    logfile: Path


def context_dir(service: str, root: Path | None = None) -> Path:
    return (root or REPO_ROOT) / service


def dockerfile(service: str, root: Path | None = None) -> Path:
    return (root / "docker" if root else DOCKER_DIR) / f"{service}.Dockerfile"


def _git(*args: str, cwd: Path = REPO_ROOT) -> str:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError):
        return ""


def context_files(service: str, root: Path | None = None) -> list[Path]:
    """Tracked + untracked-but-not-ignored files of the context (what a fresh clone would have)."""
    ctx = context_dir(service, root)
    listing = _git("ls-files", "-co", "--exclude-standard", "-z", cwd=ctx)
    if not listing:
        return sorted(p for p in ctx.rglob("*") if p.is_file() and "node_modules" not in p.parts)
    return sorted(ctx / rel for rel in listing.split("\0") if rel and (ctx / rel).is_file())


def content_hash(service: str, target: str, base_ref: str, root: Path | None = None) -> str:
    h = hashlib.sha256()
    h.update(f"{target}\0{base_ref}\0".encode())
    h.update(json.dumps(project.FACTS.build_args(service), sort_keys=True).encode())  # the user's ids, the port
    h.update(dockerfile(service, root).read_bytes())
    ctx = context_dir(service, root)
    for path in context_files(service, root):
        h.update(str(path.relative_to(ctx)).encode() + b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def app_version(service: str, root: Path | None = None) -> str:
    try:
        if service == "frontend":
            return json.loads((context_dir(service, root) / "package.json").read_text())["version"]
        data = tomllib.loads((context_dir(service, root) / "pyproject.toml").read_text())
        return data["project"]["version"]
    except (OSError, KeyError, ValueError):
        return "0.0.0-dev"


def label_args(service: str, root: Path | None = None) -> dict[str, str]:
    cwd = root or REPO_ROOT
    revision = _git("rev-parse", "HEAD", cwd=cwd) or "unknown"
    if revision != "unknown" and _git("status", "--porcelain", "--", service, cwd=cwd):
        revision += "-dirty"
    source = _git("remote", "get-url", "origin", cwd=cwd) or f"file://{cwd}"
    return {"VERSION": app_version(service, root), "REVISION": revision,
            "CREATED": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "SOURCE": source}


def build_ca_bundle() -> str | None:
    """Host CA bundle to hand the build as the `build_ca` secret (TLS-intercepting networks).

    First of TODO_APP_BUILD_CA, SSL_CERT_FILE, PIP_CERT, NODE_EXTRA_CA_CERTS that exists."""
    for var in ("TODO_APP_BUILD_CA", "SSL_CERT_FILE", "PIP_CERT", "NODE_EXTRA_CA_CERTS"):
        path = os.environ.get(var)
        if path and Path(path).is_file():
            return path
    return None


def engine_args() -> list[str]:
    """`docker build` options every project image shares: the build network and the CA-bundle secret."""
    args = []
    network, _ = docker_cli.build_network()
    if network:
        args += ["--network", network]
    for secret in build_secret_args():
        args += ["--secret", secret]
    return args


def build_secret_args() -> list[str]:
    """BuildKit --secret values for both Dockerfiles (Tilt: docker_build(..., secret=...))."""
    ca = build_ca_bundle()
    return [f"id=build_ca,src={ca}"] if ca else []


def check_context(service: str, root: Path | None = None) -> None:
    missing = [f for f in REQUIRED[service] if not (context_dir(service, root) / f).exists()]
    if missing:
        raise RuntimeError(f"cannot build {service}: missing {', '.join(missing)} in "
                           f"{context_dir(service, root)} (the Dockerfile copies them)")


def build_one(service: str, target: str, base_ref: str, *, no_cache: bool = False,
              repository: str | None = None, root: Path | None = None) -> BuildResult:
    """One `docker build --target`; `repository`/`root` let the benchmark build a scratch copy
    under another name without touching the todo-* tags."""
    check_context(service, root)
    name = repository or IMAGE_NAMES[service]
    tags = [f"{name}:{target}", f"{name}:{target}-{content_hash(service, target, base_ref, root)}"]
    args = ["build", "-f", str(dockerfile(service, root)), "--target", target, "--progress=plain",
            "--build-arg", f"{BASE_ARG[service]}={base_ref}"]
    for k, v in (project.FACTS.build_args(service) | label_args(service, root)).items():
        args += ["--build-arg", f"{k}={v}"]
    args += engine_args()
    for t in tags:
        args += ["-t", t]
    if no_cache:
        args.append("--no-cache")
    args.append(str(context_dir(service, root)))
    logfile = CACHE_ROOT / "logs" / f"build-{name.replace('/', '_')}-{target}.log"
    logfile.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with logfile.open("wb") as fh:
        proc = subprocess.run([docker_cli.cli(), *args], env=docker_cli.docker_env(),
                              stdout=fh, stderr=subprocess.STDOUT)
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        tail = "\n".join(logfile.read_text(errors="replace").splitlines()[-25:])
        raise RuntimeError(f"building {tags[0]} failed after {seconds:.0f}s; full log: {logfile}\n{tail}")
    size = docker_cli.image_size(tags[0])
    log(f"built {tags[0]} ({tags[1]}) in {seconds:.1f}s, {size / 1e6:.0f} MB")
    _prune_content_tags(name, target, keep=tags[1])
    return BuildResult(service, target, tags, seconds, size, logfile)


def _prune_content_tags(name: str, target: str, keep: str) -> None:
    """Untag older <target>-<hash> tags of this image so superseded builds can be reclaimed."""
    refs = docker_cli.out(["images", "--format", "{{.Repository}}:{{.Tag}}", name]).splitlines()
    for ref in refs:
        tag = ref.split(":", 1)[-1]
        if ref != keep and tag.startswith(f"{target}-") and len(tag) == len(target) + 13:
            docker_cli.run(["rmi", ref], check=False)


def step_was_cached(logfile: Path, marker: str) -> bool | None:
    """Did the BuildKit step whose title contains `marker` come from the cache? None if absent."""
    lines = logfile.read_text(errors="replace").splitlines()
    steps = {line.split()[0] for line in lines if line.startswith("#") and marker in line}
    if not steps:
        return None
    return all(any(line.strip() == f"{s} CACHED" for line in lines) for s in steps)


def build_all(services=SERVICES, targets=TARGETS, *, bases_mode: str | None = None,
              no_cache: bool = False) -> list[BuildResult]:
    kinds = tuple({"backend": "python", "frontend": "node"}[s] for s in services)
    bases = resolve_bases(bases_mode, kinds=kinds)
    network, why = docker_cli.build_network()
    if network:
        log(f"build network: {network} ({why})")
    results = []
    for service in services:
        for target in targets:
            results.append(build_one(service, target, bases[BASE_ARG[service]], no_cache=no_cache))
    for r in results:
        print(f"{r.tags[0]:<24} {r.size / 1e6:>6.0f} MB  {r.seconds:>6.1f}s  {r.tags[1]}")
    return results


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use: python3 -m scripts.images build")
