"""The venv route (checkov's): a real virtualenv, pip installing a pinned requirements file from a
local stand-in for PyPI (no test may reach the real one), reused while the file is unchanged and
rebuilt beside the old one when a pin in it changes."""
from __future__ import annotations

import pytest

from toolchain_helpers import fake_tool_toml, run_cli, serve_simple_index


@pytest.fixture
def venv_tool(sandbox, file_server, monkeypatch):
    monkeypatch.setenv("PIP_INDEX_URL", f"{file_server.url}/simple/")
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    requirements = sandbox.root / "requirements-fake.txt"
    # An absolute path is taken as is (the real entry is relative to the repo root).
    sandbox.write_versions(fake_tool_toml(routes=("venv",), accept="1.2.3")
                           + f'[tools.fake.venv]\nrequirements = "{requirements}"\n')
    serve_simple_index(file_server, "fake-tool", ["1.2.3", "1.2.4"])
    return requirements


def test_the_requirements_are_installed_into_their_own_venv_and_linked(sandbox, venv_tool):
    venv_tool.write_text("fake-tool==1.2.3\n")
    proc = run_cli("install", "fake")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (venv,) = (sandbox.cache / "tools" / "fake-1.2.3").glob("venv-*")
    assert (venv / "bin" / "python").exists(), "a virtualenv of its own"
    assert (sandbox.bin / "fake").resolve() == (venv / "bin" / "fake").resolve()


def test_an_unchanged_file_reuses_the_venv_and_a_changed_pin_rebuilds_it(sandbox, venv_tool, file_server):
    venv_tool.write_text("fake-tool==1.2.3\n")
    assert run_cli("install", "fake").returncode == 0
    downloads = sum(hits for path, hits in file_server.hits.items() if path.endswith(".whl"))
    assert run_cli("install", "fake").returncode == 0
    assert sum(h for p, h in file_server.hits.items() if p.endswith(".whl")) == downloads, "reused, not reinstalled"
    # A pin changes without a version bump of the tool: the spec differs, so a new venv is built.
    venv_tool.write_text("# bumped\nfake-tool==1.2.3\n")
    proc = run_cli("install", "fake")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(list((sandbox.cache / "tools" / "fake-1.2.3").glob("venv-*"))) == 2


def test_a_requirement_pip_cannot_find_fails_with_the_route_and_the_fix(sandbox, venv_tool):
    venv_tool.write_text("fake-tool==9.9.9\n")
    proc = run_cli("install", "fake")
    assert proc.returncode == 1
    assert "venv:" in proc.stderr and "pip" in proc.stderr and "install fake by hand" in proc.stderr


def test_a_missing_requirements_file_is_a_versions_error(sandbox, venv_tool):
    proc = run_cli("install", "fake")  # the file was never written
    assert proc.returncode == 2
    assert "venv.requirements" in proc.stderr and "no such file" in proc.stderr
