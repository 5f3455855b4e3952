"""`prune`: reclaim space in the local registry and in the cluster containerd's image store.

Registry: all but the newest `keep` tags of each repository are dropped (never the cluster's own
images), then `docker-registry garbage-collect --delete-untagged` frees their blobs (the registry is
stopped for that, as the registry docs require, and started again). containerd: images that no
container uses are removed (never the cluster's own); containerd's GC frees their content.
"""
from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from . import components, config, images, procs
from .ui import say


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
