"""Stop everything of ours and remove what it left on the host: `down`, and `up`'s cleanup of a
previous run whose processes were SIGKILLed.

Ours means: processes named in our pid files (verified by start time and executable), processes of
our executables whose command line names the state dir (containerd shims, orphans), processes in our
cgroup tree (containers), mounts under the state dir, our bridge and its veths, the iptables chains
network.py documents, and our cgroup tree. Files in the state dir (certs, etcd data, images, registry,
volumes) stay, so the next `up` is fast and keeps the cluster's contents.
"""
from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import cgroups, config, mounts, network, procs

KUBE_PROCS = ["kubelet", "kube-proxy", "kube-scheduler", "kube-controller-manager", "kube-apiserver"]
BASE_PROCS = ["containerd", "etcd", "registry"]


@dataclass
class Report:
    stopped: list[str] = field(default_factory=list)
    killed_containers: int = 0
    killed_leftovers: int = 0
    unmounted: int = 0
    links: int = 0
    chains: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"stopped {', '.join(self.stopped) or 'nothing'}"]
        for n, what in ((self.killed_containers, "container processes"), (self.killed_leftovers, "leftover processes"),
                        (self.unmounted, "mounts"), (self.links, "interfaces"), (self.chains, "iptables chains")):
            if n:
                parts.append(f"{n} {what}")
        return "; ".join(parts)


def anything_left(state: config.State) -> list[str]:
    """What a previous run left behind (empty when the host is clean)."""
    found = []
    if state.run.exists() and any(state.run.glob("*.pid")):
        found.append("pid files")
    if procs.leftovers(state):
        found.append("processes")
    if cgroups.our_dirs():
        found.append("cgroups")
    if mounts.under(state.root):
        found.append("mounts")
    if network.our_links():
        found.append("interfaces")
    if network.remaining_chains():
        found.append("iptables chains")
    return found


def _shim_sockets(state: config.State) -> list[Path]:
    """Shim sockets live in /run/containerd/s/<hash> whatever containerd's state dir; each task bundle
    records its shim's address, so we remove exactly ours."""
    out = []
    tasks = state.containerd / "state" / "io.containerd.runtime.v2.task"
    for addr in tasks.glob("*/*/address"):
        try:
            a = addr.read_text().strip()
        except OSError:
            continue
        for prefix in ("unix://", "ttrpc+unix://"):
            if a.startswith(prefix):
                a = a[len(prefix):]
        if a.startswith("/run/containerd/s/"):
            out.append(Path(a))
    return out


def teardown(state: config.State) -> Report:
    rep = Report()
    # 1. The kubelet first, so nothing restarts containers. Then, in parallel, the control plane and
    #    the containers (everything in our cgroup tree: SIGTERM, short grace, SIGKILL).
    #    The apiserver's graceful shutdown removes its endpoint and lease within ~50ms but can then hang
    #    (seen with 1.35: >15s), so it gets 3s before SIGKILL.
    rep.stopped += procs.stop(state, ["kubelet"], timeout=3)
    with ThreadPoolExecutor(max_workers=1) as pool:
        control_plane = pool.submit(procs.stop, state, KUBE_PROCS[1:], 3)
        rep.killed_containers = cgroups.kill_all(grace=5)
        rep.stopped += control_plane.result()
    shim_sockets = _shim_sockets(state)
    # 3. containerd, etcd, the registry; then any shim or orphan of ours.
    rep.stopped += procs.stop(state, BASE_PROCS, timeout=10)
    left = procs.leftovers(state)
    rep.killed_leftovers = len(procs.signal_and_wait(left, timeout=3)) if left else 0
    cgroups.kill_all(grace=0)
    # 4. Host state.
    try:
        rep.chains = network.sweep_iptables()
    except RuntimeError as e:
        rep.problems.append(str(e))
    rep.unmounted, stuck = mounts.unmount_all(state.root)
    rep.problems += [f"still mounted: {m}" for m in stuck]
    rep.links = network.remove_links()
    rep.problems += cgroups.remove()
    # 5. Ephemeral files: runtime state (like /run, it must not outlive the processes), stale sockets,
    #    pid files, the kubelet's log symlinks, libcni's result cache for our network.
    for sock in shim_sockets:
        sock.unlink(missing_ok=True)
    if not stuck:
        # IP allocations die with the pods; no CNI DEL ran for pods of a killed run.
        for d in (state.containerd / "state", state.runc_root, state.cni_ipam_dir):
            shutil.rmtree(d, ignore_errors=True)
    for p in list(state.run.glob("*.pid")) + list(state.run.glob("*.sock*")):
        p.unlink(missing_ok=True)
    logs_root = str(state.pod_logs) + "/"
    containers_dir = Path("/var/log/containers")
    if containers_dir.is_dir():
        for link in containers_dir.iterdir():
            if link.is_symlink() and os.readlink(link).startswith(logs_root):
                link.unlink(missing_ok=True)
    for cache in Path("/var/lib/cni/results").glob(f"{config.CNI_NETWORK}-*"):
        cache.unlink(missing_ok=True)
    return rep


def verify_clean(state: config.State) -> list[str]:
    """Anything of ours still on the host after a teardown (used by tests and `status`)."""
    problems = []
    if procs.leftovers(state):
        problems.append(f"processes: {procs.leftovers(state)}")
    if cgroups.pids():
        problems.append(f"container processes: {sorted(cgroups.pids())}")
    if mounts.under(state.root):
        problems.append(f"mounts: {mounts.under(state.root)}")
    if network.our_links():
        problems.append(f"interfaces: {network.our_links()}")
    if network.remaining_chains():
        problems.append(f"iptables chains: {network.remaining_chains()}")
    if cgroups.our_dirs():
        problems.append(f"cgroups: {[str(d) for d in cgroups.our_dirs()]}")
    return problems
