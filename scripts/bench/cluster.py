"""Benchmark of the local cluster (prints numbers; not a test).

    python3 -m scripts.bench cluster [--cycles 3] [--settle 30] [--cold-build]

* cold build times: from the build manifests (build.json) written when each component was first built;
  --cold-build rebuilds etcd, CoreDNS, pause and the provisioner now with an empty Go build cache (the
  module cache is kept: downloads are not timed) into a scratch dir, to measure compile time on this box.
* `up` time with binaries cached: median over N `down` + `up` cycles (wall clock of the CLI).
* idle memory: RSS of each host process of the cluster after the cluster has settled, plus the pods.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scripts.cluster import builds, cgroups, config, procs
from scripts.toolchain import manifest, versions
from scripts.toolchain.paths import build_dir
from scripts.cluster.status import rss_kib


def cli(*args: str) -> tuple[float, subprocess.CompletedProcess]:
    start = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "scripts.cluster", *args], cwd=config.REPO, capture_output=True,
                       text=True)
    return time.monotonic() - start, r


def recorded_build_times() -> list[tuple[str, str]]:
    rows = []
    for name in builds.UPSTREAM:
        tool = versions.load().tool(name)
        rows.append((f"{name} {tool.version}", _toolchain_seconds(tool)))
    for name in ("pause", "provisioner"):
        rows.append((name, _manifest_seconds(builds.own_binary(name))))
    kube = config.kube_bin_dir().parent
    rows.append((f"kubernetes {config.kube_version()} (6 binaries, one go build)",
                 _manifest_seconds(kube / "bin" / "kubelet") if (kube / "build.json").exists()
                 else "built by scripts/toolchain (no timing recorded)"))
    return rows


def _toolchain_seconds(tool) -> str:
    """The toolchain records no build time; its build log's timestamps would be a guess: say so."""
    m = manifest.read(tool)
    return f"built by scripts/toolchain ({m.route})" if m else "no record"


def _manifest_seconds(binary: Path) -> str:
    try:
        m = json.loads((binary.parent.parent / "build.json").read_text())
        secs = m.get("first_build_seconds", m["seconds"])
        return f"{secs:.0f}s (first build; last built {m.get('built_at', '?')}, {m.get('go', '?')})"
    except (OSError, ValueError, KeyError):
        return "no record"


def cold_build() -> list[tuple[str, float]]:
    """Rebuild with an empty GOCACHE into a scratch dir; modules come from the existing module cache."""
    out = []
    with tempfile.TemporaryDirectory(prefix="todo-cluster-bench-") as tmp:
        go = config.go_binary()
        pins = versions.load()
        jobs = [(f"{n} {pins.tool(n).version}", build_dir(n, pins.tool(n).version), pins.tool(n).go.packages[0])
                for n in builds.UPSTREAM]
        jobs += [(n, config.IMAGES_SRC / n, ".") for n in ("pause", "provisioner")]
        for i, (label, cwd, pkg) in enumerate(jobs):
            env = {**builds.go_env(), "GOCACHE": f"{tmp}/gocache-{i}"}  # each build from scratch
            start = time.monotonic()
            subprocess.run([go, "build", "-trimpath", "-ldflags", "-s -w", "-o", f"{tmp}/out", pkg], cwd=cwd,
                           env=env, check=True, capture_output=True)
            out.append((label, time.monotonic() - start))
    return out


def memory(state: config.State) -> list[tuple[str, int]]:
    rows = []
    for name in config.COMPONENT_ORDER:
        pid = procs.pid_of(state, name)
        rows.append((name, rss_kib(pid) if pid else 0))
    shims = [p for p in procs.leftovers(state)
             if os.path.basename((procs.cmdline(p) or [""])[0]) == "containerd-shim-runc-v2"]
    rows.append((f"containerd shims ({len(shims)})", sum(rss_kib(p) for p in shims)))
    pods = cgroups.pids()
    rows.append((f"pod processes ({len(pods)}: pause, CoreDNS, provisioner, ...)", sum(rss_kib(p) for p in pods)))
    return rows


def cpu_ticks(state: config.State) -> dict[str, int]:
    """utime+stime (clock ticks) of each host process of the cluster."""
    out = {}
    for name in config.COMPONENT_ORDER:
        pid = procs.pid_of(state, name)
        if pid:
            stat = Path(f"/proc/{pid}/stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            out[name] = int(fields[11]) + int(fields[12])
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m scripts.bench cluster")
    ap.add_argument("--cycles", type=int, default=3)
    ap.add_argument("--settle", type=int, default=30, help="seconds to let the cluster idle before measuring RSS")
    ap.add_argument("--cold-build", action="store_true", help="also re-measure compile times (slow)")
    args = ap.parse_args(argv)
    state = config.State.default()

    print("== cold build times (recorded at first build)")
    for label, secs in recorded_build_times():
        print(f"  {label:<55} {secs}")
    if args.cold_build:
        print("== cold compile now (empty GOCACHE, modules cached)")
        for label, secs in cold_build():
            print(f"  {label:<55} {secs:.0f}s")

    took, r = cli("up")
    if r.returncode != 0:
        print(r.stdout, r.stderr)
        return 1
    ups, downs = [], []
    for i in range(args.cycles):
        d, r = cli("down")
        downs.append(d)
        u, r = cli("up")
        if r.returncode != 0:
            print(r.stdout, r.stderr)
            return 1
        ups.append(u)
        print(f"  cycle {i + 1}: down {d:.1f}s, up {u:.1f}s")
    print(f"== up with binaries cached: median {statistics.median(ups):.1f}s over {len(ups)} cycles "
          f"(min {min(ups):.1f}s, max {max(ups):.1f}s); down median {statistics.median(downs):.1f}s")

    before = cpu_ticks(state)
    time.sleep(args.settle)
    after = cpu_ticks(state)
    hz = os.sysconf("SC_CLK_TCK")
    busy = {n: (after.get(n, 0) - before.get(n, 0)) / hz / args.settle * 100 for n in after}
    print(f"== idle CPU over {args.settle}s (% of one core)")
    print("  " + ", ".join(f"{n} {v:.1f}%" for n, v in busy.items()) + f"; total {sum(busy.values()):.1f}%")
    rows = memory(state)
    print(f"== idle memory (RSS after {args.settle}s idle)")
    for label, kib in rows:
        print(f"  {label:<55} {kib / 1024:7.1f} MiB")
    control_plane = sum(k for n, k in rows if n in ("etcd", "kube-apiserver", "kube-controller-manager",
                                                      "kube-scheduler"))
    node = sum(k for n, k in rows if n in ("containerd", "kubelet", "kube-proxy"))
    print(f"  {'control plane (etcd + apiserver + controller-manager + scheduler)':<55} {control_plane / 1024:7.1f} MiB")
    print(f"  {'node (containerd + kubelet + kube-proxy)':<55} {node / 1024:7.1f} MiB")
    print(f"  {'total':<55} {sum(k for _, k in rows) / 1024:7.1f} MiB")
    return 0
