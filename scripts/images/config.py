"""Names, numbers and paths shared by the image tooling (one place, so the Dockerfiles,
the chart and the tests cannot drift apart)."""
from __future__ import annotations

import os
import tomllib
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCKER_DIR = REPO_ROOT / "docker"
VERSIONS_FILE = REPO_ROOT / "scripts" / "versions.toml"

# Debian's docker.io client; /usr/local/bin/docker on this machine has no buildx/BuildKit.
DOCKER = os.environ.get("TODO_APP_DOCKER", "/usr/bin/docker")

CACHE_ROOT = Path(os.environ.get("TODO_APP_CACHE", Path.home() / ".cache" / "todo-app"))
BASES_CACHE = CACHE_ROOT / "bases"
TOOLS_CACHE = CACHE_ROOT / "tools"

# Shared with the chart's securityContext: a mismatch breaks Tilt's live-update sync.
APP_UID = 10001
APP_GID = 10001

SERVICES = ("backend", "frontend")
TARGETS = ("dev", "runtime")
IMAGE_NAMES = {"backend": "todo-backend", "frontend": "todo-frontend"}

# Official upstream bases, used whenever the engine has them or can pull them.
OFFICIAL_PYTHON = "python:3.13-slim"
OFFICIAL_NODE = "node:22-slim"

# npm shipped inside the offline Node base (the npm 10 line is the one Node 22 bundles).
NPM_VERSION = "10.9.9"


def versions() -> dict:
    with VERSIONS_FILE.open("rb") as fh:
        return tomllib.load(fh)


def node_version() -> str:
    return versions()["tools"]["node"]["version"]
