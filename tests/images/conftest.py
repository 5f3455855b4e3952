"""Session fixture: build all four images once with the project's one build command, from a
copy of the tree that holds only what a fresh clone would (no node_modules, .venv, .next)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # `scripts` package, any cwd

from images_helpers import docker  # noqa: E402
from scripts.images import docker_cli  # noqa: E402
from scripts.images.snapshot import fresh_copy  # noqa: E402


@pytest.fixture(scope="session")
def docker_engine() -> None:
    if not Path(docker_cli.cli()).exists():
        pytest.fail(f"{docker_cli.cli()} is missing: install docker.io", pytrace=False)
    if docker("info", check=False).returncode != 0:
        pytest.fail("the Docker engine is not answering on /var/run/docker.sock: start dockerd",
                    pytrace=False)


@pytest.fixture(scope="session")
def built(docker_engine, tmp_path_factory) -> subprocess.CompletedProcess:
    """`python3 -m scripts.images build` (both services, both targets) from a fresh-clone copy."""
    clone = fresh_copy(tmp_path_factory.mktemp("clone"))
    proc = subprocess.run([sys.executable, "-m", "scripts.images", "build"], cwd=clone,
                          capture_output=True, text=True, timeout=3600,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    if proc.returncode != 0:
        pytest.fail(f"build command failed ({proc.returncode}):\n{proc.stderr[-4000:]}",
                    pytrace=False)
    return proc


@pytest.fixture(scope="session", autouse=True)
def _remove_leftover_containers(docker_engine):
    yield
    ids = docker("ps", "-aq", "--filter", "label=todo-app.test=images", check=False).stdout.split()
    if ids:
        docker("rm", "-f", "-v", *ids, check=False)
