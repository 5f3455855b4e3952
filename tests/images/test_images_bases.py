"""Offline bases stand in for python:3.13-slim / node:22-slim: same commands, same paths."""
from __future__ import annotations

import pytest

from images_helpers import docker
from scripts.images import bases, docker_cli


@pytest.fixture(scope="module")
def offline(docker_engine):
    return bases.resolve_bases("offline", quiet=True)


def _sh(image: str, script: str) -> str:
    return docker("run", "--rm", "--network", "none", "--entrypoint", "sh", image, "-c",
                  script).stdout.strip()


def test_base_args_name_content_tagged_offline_bases_that_exist(offline):
    assert offline["PYTHON_BASE"] == bases.offline_base("python").ref
    assert offline["NODE_BASE"] == bases.offline_base("node").ref
    assert all(docker_cli.image_exists(ref) for ref in offline.values())
    assert bases.recipe_hash("python") in offline["PYTHON_BASE"]


def test_offline_python_base_has_python313_as_python_and_python3_with_venv(offline):
    out = _sh(offline["PYTHON_BASE"], "python --version; python3 --version; "
              "python -m venv /tmp/v && /tmp/v/bin/pip --version >/dev/null && echo venv-ok; "
              "command -v tar groupadd useradd >/dev/null && echo tools-ok")
    lines = out.splitlines()
    assert lines[0].startswith("Python 3.13.") and lines[1] == lines[0], lines
    assert lines[2:] == ["venv-ok", "tools-ok"]


def test_offline_node_base_has_node22_at_usr_local_bin_and_npm(offline):
    out = _sh(offline["NODE_BASE"], "command -v node; node --version; npm --version; "
              "node -e 'fetch && console.log(\"fetch-ok\")'; "
              "command -v tar groupadd useradd >/dev/null && echo tools-ok")
    lines = out.splitlines()
    assert lines[0] == "/usr/local/bin/node"
    assert lines[1] == "v" + bases.node_version()
    assert lines[2].startswith("10.")
    assert lines[3:] == ["fetch-ok", "tools-ok"]


def test_unknown_base_mode_is_a_clear_error():
    with pytest.raises(ValueError, match="use auto, official or offline"):
        bases.resolve_bases("cloud")
