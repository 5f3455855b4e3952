"""Fixtures: a throw-away cache/.bin/versions file per test and a local file server."""
from __future__ import annotations

import pytest

from toolchain_helpers import FileServer


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """TODO_APP_CACHE / TODO_APP_BIN / TODO_APP_VERSIONS pointed into tmp_path."""
    cache, bin_dir, versions = tmp_path / "cache", tmp_path / "repo-bin", tmp_path / "versions.toml"
    monkeypatch.setenv("TODO_APP_CACHE", str(cache))
    monkeypatch.setenv("TODO_APP_BIN", str(bin_dir))
    monkeypatch.setenv("TODO_APP_VERSIONS", str(versions))

    class Sandbox:
        pass

    box = Sandbox()
    box.root, box.cache, box.bin, box.versions = tmp_path, cache, bin_dir, versions
    box.write_versions = lambda text: versions.write_text(text)
    return box


@pytest.fixture
def file_server():
    server = FileServer()
    yield server
    server.close()
