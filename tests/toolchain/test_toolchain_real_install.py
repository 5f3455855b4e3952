"""The real thing, as the README runs it: one command installs every pinned tool (from the cache
when present; on a new machine this is the cold install), a second run is fast and runs nothing,
the linked binaries report the pinned versions, and doctor is green."""
from __future__ import annotations

import os
import subprocess
import time

import pytest

from toolchain_helpers import REPO, run_cli
from scripts.toolchain import versions

PINS = versions.load(REPO / "scripts" / "versions.toml")
BIN = REPO / ".bin"
# the real cache, .bin and versions file, whatever a developer's shell points elsewhere
REAL = {k: "" for k in ("TODO_APP_CACHE", "TODO_APP_BIN", "TODO_APP_VERSIONS")}


@pytest.fixture(scope="module")
def installed():
    proc = run_cli("install", env=REAL, timeout=3 * 3600)  # cold: multi-minute Go builds
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return proc


def version_of(*cmd: str) -> str:
    return subprocess.run([str(BIN / cmd[0]), *cmd[1:]], capture_output=True, text=True, timeout=60).stdout


def test_installed_binaries_report_the_pinned_versions(installed):
    assert version_of("tilt", "version").startswith(f"v{PINS.tool('tilt').version},")
    assert f'Version:"v{PINS.tool("helm").version}"' in version_of("helm", "version")
    assert f"Client Version: v{PINS.kubernetes}\n" in version_of("kubectl", "version", "--client")
    assert version_of("node", "--version").strip() == f"v{PINS.tool('node').version}"


def test_docker_in_bin_builds_with_buildkit(installed):
    target = os.path.realpath(BIN / "docker")
    proc = subprocess.run([target, "buildx", "version"], capture_output=True)
    client = subprocess.run([target, "version", "--format", "{{.Client.Version}}"], capture_output=True, text=True)
    major = int(client.stdout.split(".")[0])
    assert proc.returncode == 0 or major < 23, f"{target} can not build with BuildKit"


def test_a_second_run_is_fast_and_runs_nothing(installed):
    start = time.monotonic()
    proc = run_cli("install", env=REAL)
    elapsed = time.monotonic() - start
    assert proc.returncode == 0, proc.stderr
    assert elapsed < 2.0, f"second run took {elapsed:.2f}s"
    assert "==>" not in proc.stdout  # no step ran: no go, no pip, no download
    for name in PINS.default_install:
        assert f"[toolchain] ok {name} " in proc.stdout


def test_doctor_is_green(installed):
    proc = run_cli("doctor", env={**REAL, "PATH": f"{BIN}:{os.environ['PATH']}"}, timeout=120)
    assert proc.returncode == 0, proc.stdout
    assert "[FAIL]" not in proc.stdout


def test_env_prints_the_path_and_buildkit_exports():
    proc = run_cli("env", env=REAL)
    assert proc.stdout.splitlines() == [f'export PATH={BIN}:"$PATH"', "export DOCKER_BUILDKIT=1"]
    shell = subprocess.run(["bash", "-c", f'eval "$({" ".join(["python3", str(REPO / "scripts" / "toolchain"), "env"])})"; '
                            'command -v tilt; echo $DOCKER_BUILDKIT'], capture_output=True, text=True, env={**os.environ, **REAL})
    assert shell.stdout.splitlines() == [str(BIN / "tilt"), "1"]


def test_module_entry_point_works_from_the_repo_root():
    proc = subprocess.run(["python3", "-m", "scripts.toolchain", "env"], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, **REAL})
    assert proc.returncode == 0 and "DOCKER_BUILDKIT=1" in proc.stdout
