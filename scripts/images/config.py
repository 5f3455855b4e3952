"""Names, numbers and paths shared by the image tooling (one place, so the Dockerfiles,
the chart and the tests cannot drift apart)."""
from __future__ import annotations

from scripts import project
from scripts.toolchain import versions
from scripts.toolchain.paths import cache_root, repo_root

REPO_ROOT = repo_root()
DOCKER_DIR = REPO_ROOT / "docker"

CACHE_ROOT = cache_root()
BASES_CACHE = CACHE_ROOT / "bases"
TOOLS_CACHE = CACHE_ROOT / "tools"

SERVICES = ("backend", "frontend")
TARGETS = ("dev", "runtime")
IMAGE_NAMES = {s: project.IMAGES[s] for s in SERVICES}  # the chart's image repositories

# Official upstream bases, used whenever the engine has them or can pull them.
OFFICIAL_PYTHON = "python:3.13-slim"
OFFICIAL_NODE = "node:22-slim"

# npm shipped inside the offline Node base (the npm 10 line is the one Node 22 bundles).
NPM_VERSION = "10.9.9"


def node_version() -> str:
    return versions.load().tool("node").version
