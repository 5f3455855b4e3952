"""`doctor`: is this machine ready for `tilt up`? One line per check; each problem comes with the
exact fix. Exit status 1 when any check is a blocker (FAIL); warnings don't fail."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TextIO

from . import embedded, linking, manifest
from .apt import install_command, missing_packages
from .docker_cli import DockerCliError, choose, remembered
from .docker_engine import engine_answers
from .paths import bin_dir, cache_root, repo_root
from .probe import ProbeError, reported_version
from .versions import Versions

INSTALL = "python3 scripts/toolchain install"
GIB = 1 << 30
DISK_FAIL_GIB, DISK_WARN_GIB = 5, 15  # a cold Kubernetes + tilt build needs several GiB of Go cache


class Report:
    def __init__(self, out: TextIO):
        self.out, self.fails, self.warns = out, 0, 0

    def ok(self, what: str) -> None:
        print(f"[ok]   {what}", file=self.out)

    def warn(self, what: str, fix: str) -> None:
        self.warns += 1
        print(f"[warn] {what}\n       fix: {fix}", file=self.out)

    def fail(self, what: str, fix: str) -> None:
        self.fails += 1
        print(f"[FAIL] {what}\n       fix: {fix}", file=self.out)


def run(versions: Versions, out: TextIO | None = None) -> int:
    report = Report(out or sys.stdout)
    check_tools(versions, report)
    check_path(report)
    check_docker(report)
    check_kube(versions, report)
    check_disk(report)
    check_apt(versions, report)
    print(f"doctor: {report.fails} blocker(s), {report.warns} warning(s)", file=report.out)
    return 1 if report.fails else 0


def check_tools(versions: Versions, report: Report) -> None:
    for name, tool in versions.tools.items():
        required = name in versions.default_install
        found = manifest.valid(tool)
        if not found:
            state = _why_not_valid(tool)
            (report.fail if required else report.warn)(
                f"{name} {tool.version}: {state}" + ("" if required else " (optional)"), f"{INSTALL} {name}")
            continue
        primary = tool.version_command[0]
        linked = bin_dir() / primary
        probe_at = linked if primary in tool.link else found.binary(primary)
        if primary in tool.link and linking.linked_target(primary) != found.binary(primary):
            # An optional tool in the cache but not linked into this checkout (a fresh clone): fine.
            (report.fail if required else report.warn)(
                f"{name}: {linked} does not point at {found.binary(primary)}", f"{INSTALL} {name}")
            continue
        try:
            version = reported_version(tool, probe_at, timeout=10)
        except ProbeError as exc:
            report.fail(f"{name} {tool.version}: {exc}", f"{INSTALL} {name}")
            continue
        if not tool.accepts(version):
            report.fail(f"{name}: {probe_at} reports {version}, the pin is {tool.version}", f"{INSTALL} {name}")
            continue
        lacks = embedded.missing(tool, probe_at)
        if lacks:
            report.fail(f"{name} {version}: {embedded.describe_missing(tool, probe_at, lacks)}", f"{INSTALL} {name}")
            continue
        has = f"; has {' and '.join(tool.must_embed)}" if tool.must_embed else ""
        report.ok(f"{name} {version}: {probe_at} ({found.route}{has})")


def _why_not_valid(tool) -> str:
    previous = manifest.read(tool)
    if not previous:
        return "not installed"
    primary = Path(previous.binaries.get(tool.version_command[0], "/nonexistent"))
    if tool.must_embed and primary.is_file():
        lacks = embedded.missing(tool, primary)
        if lacks:
            return f"the installed {embedded.describe_missing(tool, primary, lacks)}"
    return "its recorded install changed or is incomplete"


def check_path(report: Report) -> None:
    entries = [Path(p) for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    if bin_dir() in entries:
        report.ok(f"{bin_dir()} is on PATH")
    else:
        report.warn(f"{bin_dir()} is not on PATH (the pinned tools are linked there)",
                    f'eval "$(python3 {repo_root() / "scripts" / "toolchain"} env)"')


def check_docker(report: Report) -> str | None:
    cli = remembered()
    if cli is None:
        try:
            cli = choose(engine_up=True)
        except DockerCliError as exc:
            report.fail(f"docker CLI: {exc}", f"{INSTALL} docker")
            return None
    report.ok(f"docker CLI {cli.path}: {cli.reason}")
    version = engine_answers(cli.path)
    if version:
        report.ok(f"Docker engine {version} answers")
    else:
        fix = f"{INSTALL} docker" if os.geteuid() == 0 else "sudo systemctl start docker (or `sudo dockerd &`)"
        report.fail("no Docker engine answers", fix)
    if linking.linked_target("docker") != Path(cli.path):
        report.warn(f"{bin_dir() / 'docker'} is not the BuildKit-capable CLI {cli.path}", f"{INSTALL} docker")
    return cli.path


def check_kube(versions: Versions, report: Report) -> None:
    kubectl = bin_dir() / "kubectl"
    if not kubectl.exists():
        kubectl = Path(shutil.which("kubectl") or "kubectl")
    start_cluster = "start the local cluster, or point KUBECONFIG / `kubectl config use-context NAME` at one"
    try:
        ctx = subprocess.run([str(kubectl), "config", "current-context"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired) as exc:
        report.warn(f"kube context: kubectl could not run ({exc})", f"{INSTALL} kubectl")
        return
    context = ctx.stdout.strip()
    if ctx.returncode != 0 or not context:
        report.warn("no current kube context (tilt up needs a cluster)", start_cluster)
        return
    report.ok(f"kube context {context}")
    try:
        ver = subprocess.run([str(kubectl), "version", "-o", "json", "--request-timeout=3s"],
                             capture_output=True, text=True, timeout=8)
        server = json.loads(ver.stdout or "{}").get("serverVersion", {}).get("gitVersion")
    except (OSError, subprocess.TimeoutExpired, ValueError):
        server = None
    if not server:
        report.warn(f"cluster of context {context} does not answer (3s timeout)", start_cluster)
        return
    minor = ".".join(versions.kubernetes.split(".")[:2])
    if server.lstrip("v").startswith(minor + "."):
        report.ok(f"cluster answers: Kubernetes {server}")
    else:
        report.warn(f"cluster runs Kubernetes {server}, the project pins {versions.kubernetes}",
                    f"use a {minor} cluster (the project's local cluster runs the pinned version)")


def check_disk(report: Report) -> None:
    seen = set()
    for path in (cache_root(), repo_root()):
        probe = path
        while not probe.exists():
            probe = probe.parent
        dev = probe.stat().st_dev
        if dev in seen:
            continue
        seen.add(dev)
        free = shutil.disk_usage(probe).free / GIB
        what = f"{free:.1f} GiB free for {path}"
        if free < DISK_FAIL_GIB:
            report.fail(what, f"free at least {DISK_FAIL_GIB} GiB (e.g. `go clean -cache`, `docker system prune`)")
        elif free < DISK_WARN_GIB:
            report.warn(what, f"a cold build needs up to ~{DISK_WARN_GIB} GiB: free some space")
        else:
            report.ok(what)


def check_apt(versions: Versions, report: Report) -> None:
    missing = missing_packages(versions.apt_packages)
    if missing:
        report.warn(f"Debian packages missing: {' '.join(missing)}", install_command(missing))
    else:
        report.ok(f"Debian packages present: {' '.join(versions.apt_packages)}")
