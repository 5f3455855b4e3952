"""`status`, `logs` and `prune`."""
from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

from . import components, config, images, procs, teardown
from .ui import say


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def status(state: config.State) -> int:
    """Exit 0 when every component runs and is healthy, 1 otherwise."""
    say(f"todo-local cluster (state {state.root})")
    all_ok = True
    for name in config.COMPONENT_ORDER:
        pid = procs.pid_of(state, name)
        if not pid:
            say(f"  {name:<24} not running")
            all_ok = False
            continue
        ok = components.healthy(name, state)
        all_ok &= ok
        say(f"  {name:<24} {'healthy' if ok else 'UNHEALTHY'}  pid {pid}  rss {rss_kib(pid) // 1024} MiB")
    if all_ok:
        kubectl = [str(config.kube_bin("kubectl")), "--kubeconfig", str(state.admin_kubeconfig)]
        r = subprocess.run(kubectl + ["get", "nodes,pods", "-A", "-o", "wide"], capture_output=True, text=True,
                           timeout=15)
        say(r.stdout.rstrip() or r.stderr.rstrip())
    else:
        left = teardown.verify_clean(state)
        if left:
            say("  left on the host: " + "; ".join(left) + "  (`down` removes them; `up` does too)")
    return 0 if all_ok else 1


def logs(state: config.State, component: str | None, lines: int, follow: bool) -> int:
    if not component:
        for p in sorted(state.logs.glob("*.log")):
            say(f"  {p.stem:<24} {p}  ({p.stat().st_size // 1024} KiB)")
        say("show one: python3 -m scripts.cluster logs <component> [-n LINES] [-f]")
        return 0
    path = state.log(component)
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in state.logs.glob("*.log"))) or "none yet"
        say(f"error: no log for {component!r}; components with logs: {known}")
        return 2
    cmd = ["tail", "-n", str(lines)] + (["-F"] if follow else []) + [str(path)]
    return subprocess.call(cmd)


def _registry_tags(state: config.State) -> list[tuple[str, str, float]]:
    """(repository, tag, mtime) for every tag in the registry's filesystem storage."""
    repos = state.registry_data / "docker" / "registry" / "v2" / "repositories"
    out = []
    for tags_dir in repos.glob("**/_manifests/tags"):
        repo = str(tags_dir.parent.parent.relative_to(repos))
        for tag in tags_dir.iterdir():
            link = tag / "current" / "link"
            if link.exists():
                out.append((repo, tag.name, link.stat().st_mtime))
    return out


def du(path: Path) -> int:
    r = subprocess.run(["du", "-sk", str(path)], capture_output=True, text=True)
    return int(r.stdout.split()[0]) * 1024 if r.returncode == 0 and r.stdout else 0


def prune(state: config.State, keep: int) -> int:
    """Reclaim space: old registry tags (all but the newest `keep` per repository, never the cluster's
    own images) + registry garbage collection; images in the cluster's containerd that no container
    uses (never the cluster's own)."""
    before = du(state.registry_data) + du(state.containerd / "root")
    own = {images.ref(n) for n in images.NAMES}
    # Registry: drop old tags, then garbage-collect blobs. GC needs the registry stopped.
    by_repo: dict[str, list[tuple[str, float]]] = {}
    for repo, tag, mtime in _registry_tags(state):
        if f"{config.REGISTRY}/{repo}:{tag}" not in own:
            by_repo.setdefault(repo, []).append((tag, mtime))
    removed_tags = 0
    repos = state.registry_data / "docker" / "registry" / "v2" / "repositories"
    for repo, tags in by_repo.items():
        for tag, _ in sorted(tags, key=lambda t: t[1], reverse=True)[keep:]:
            shutil.rmtree(repos / repo / "_manifests" / "tags" / tag)
            removed_tags += 1
    was_running = procs.pid_of(state, "registry") is not None
    if was_running:
        procs.stop(state, ["registry"])
    cfg = state.config / "registry.yml"
    if cfg.exists():
        r = subprocess.run(["docker-registry", "garbage-collect", "--delete-untagged", str(cfg)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            say(f"warning: registry garbage-collect failed: {r.stderr.strip()[-500:]}")
    if was_running:
        argv = components.registry(state, config.node_ip())
        procs.start(state, "registry", argv)
        for _ in range(100):
            if components.healthy("registry", state):
                break
            time.sleep(0.1)
    # containerd: images no container references.
    removed_images = 0
    if procs.pid_of(state, "containerd"):
        in_use = set()
        r = images.ctr(state, "containers", "ls", check=False)
        for line in r.stdout.splitlines()[1:]:
            parts = line.split()
            if len(parts) >= 2:
                in_use.add(parts[1])
        for ref in images.in_containerd(state):
            if ref.startswith("sha256:") or ref in own or ref in in_use:
                continue
            if images.ctr(state, "images", "rm", ref, check=False).returncode == 0:
                removed_images += 1
        # Untagged leftovers (sha256:... names whose tag went away) only hold space.
        for ref in images.in_containerd(state):
            if ref.startswith("sha256:") and ref not in in_use:
                images.ctr(state, "images", "rm", ref, check=False)
    else:
        say("  containerd is not running: its image store was left as is (run `up` first to prune it)")
    after = du(state.registry_data) + du(state.containerd / "root")
    say(f"pruned {removed_tags} registry tag(s), {removed_images} containerd image(s); "
        f"reclaimed {max(0, before - after) / 2**20:.1f} MiB")
    return 0


def describe(state: config.State) -> dict:
    return {"state": str(state.root), "kubeconfig": str(state.admin_kubeconfig), "context": config.CONTEXT,
            "registry": config.REGISTRY, "node": config.NODE_NAME,
            "pids": {n: procs.pid_of(state, n) for n in config.COMPONENT_ORDER}}


def env_json(state: config.State) -> str:
    return json.dumps(describe(state), indent=2)

