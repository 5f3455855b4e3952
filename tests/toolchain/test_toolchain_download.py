"""The official-download route against a local HTTP server standing in for the release host:
only a file matching the pinned SHA-256 is ever installed."""
from __future__ import annotations

import os
import socket
import subprocess
import time

import pytest

from toolchain_helpers import fake_binary_bytes, fake_tool_toml, run_cli, sha256, tarball
from scripts.toolchain import manifest, versions


def download_toml(url: str, sha: str, *, archive: bool = True, routes=("download",)) -> str:
    member = 'extract = { fake = "fake-1.2.3/bin/fake" }' if archive else 'binary = "fake"'
    return fake_tool_toml(routes=routes) + f'[[tools.fake.download]]\nurl = "{url}"\nsha256 = "{sha}"\n{member}\n'


def test_a_tarball_with_the_pinned_checksum_installs_and_runs(sandbox, file_server):
    archive = tarball({"fake-1.2.3/bin/fake": fake_binary_bytes("fake", "1.2.3"), "fake-1.2.3/README": b"hi"})
    file_server.files["/releases/v1.2.3/fake.tar.gz"] = archive
    sandbox.write_versions(download_toml(f"{file_server.url}/releases/v{{version}}/fake.tar.gz", sha256(archive)))
    proc = run_cli("install", "fake")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"downloading {file_server.url}/releases/v1.2.3/fake.tar.gz" in proc.stdout
    linked = sandbox.bin / "fake"
    assert linked.resolve() == sandbox.cache / "tools" / "fake-1.2.3" / "bin" / "fake"
    assert run_ok(linked) == "fake v1.2.3 (fake)"
    recorded = manifest.read(versions.load().tool("fake"))
    assert recorded.route.startswith("official download") and recorded.reported_version == "1.2.3"
    # nothing but the binary and the manifest is left in the tool dir
    assert sorted(p.name for p in (sandbox.cache / "tools" / "fake-1.2.3").iterdir()) == ["bin", "manifest.json"]


def test_a_raw_binary_download_installs(sandbox, file_server):
    body = fake_binary_bytes("fake", "1.2.3")
    file_server.files["/fake"] = body
    sandbox.write_versions(download_toml(f"{file_server.url}/fake", sha256(body), archive=False))
    assert run_cli("install", "fake").returncode == 0
    assert run_ok(sandbox.bin / "fake") == "fake v1.2.3 (fake)"


def test_a_checksum_mismatch_is_rejected_and_the_file_deleted(sandbox, file_server):
    tampered = tarball({"fake-1.2.3/bin/fake": b"#!/bin/sh\necho pwned\n"})
    file_server.files["/fake.tar.gz"] = tampered
    pinned = sha256(b"the real release")
    sandbox.write_versions(download_toml(f"{file_server.url}/fake.tar.gz", pinned))
    proc = run_cli("install", "fake")
    assert proc.returncode == 1
    assert f"download route: checksum mismatch for {file_server.url}/fake.tar.gz: expected {pinned}, " \
           f"got {sha256(tampered)}; the file was deleted -> no routes left" in proc.stdout
    tool_dir = sandbox.cache / "tools" / "fake-1.2.3"
    assert [p for p in tool_dir.rglob("*")] == []  # no download, no staging dir, no binary
    assert not (sandbox.bin / "fake").exists()
    assert "could not install fake 1.2.3" in proc.stderr and "fix: install fake by hand" in proc.stderr


def test_a_mismatch_falls_through_to_the_next_route(sandbox, file_server, tmp_path):
    file_server.files["/fake.tar.gz"] = b"not what was pinned"
    on_path = tmp_path / "elsewhere"
    on_path.mkdir()
    (on_path / "fake").write_bytes(fake_binary_bytes("fake", "1.2.5"))
    (on_path / "fake").chmod(0o755)
    sandbox.write_versions(download_toml(f"{file_server.url}/fake.tar.gz", sha256(b"x"), routes=("download", "path")))
    proc = run_cli("install", "fake", env={"PATH": f"{on_path}:{os.environ['PATH']}"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "checksum mismatch" in proc.stdout and "-> trying the next route" in proc.stdout
    assert (sandbox.bin / "fake").resolve() == on_path / "fake"


def test_without_a_pinned_checksum_nothing_is_downloaded(sandbox, file_server):
    file_server.files["/fake"] = fake_binary_bytes("fake", "1.2.3")
    sandbox.write_versions(download_toml(f"{file_server.url}/fake", "", archive=False))
    proc = run_cli("install", "fake")
    assert proc.returncode == 1
    assert "download route: no pinned checksum for fake 1.2.3: add it to scripts/versions.toml" in proc.stdout
    assert file_server.hits == {}  # never downloads unverified


def test_an_unreachable_host_falls_through_quickly(sandbox):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sandbox.write_versions(download_toml(f"http://127.0.0.1:{port}/fake", sha256(b"x"), archive=False))
    start = time.monotonic()
    proc = run_cli("install", "fake")
    assert proc.returncode == 1
    assert time.monotonic() - start < 10
    assert "download route: cannot reach 127.0.0.1: [Errno 111] Connection refused" in proc.stdout


def test_an_unknown_host_name_falls_through_quickly(sandbox):
    sandbox.write_versions(download_toml("https://release-host.invalid/fake", sha256(b"x"), archive=False))
    start = time.monotonic()
    proc = run_cli("install", "fake")
    assert proc.returncode == 1 and time.monotonic() - start < 10
    assert "download route: cannot resolve release-host.invalid" in proc.stdout


def test_http_errors_are_reported_with_their_status(sandbox, file_server):
    sandbox.write_versions(download_toml(f"{file_server.url}/missing", sha256(b"x"), archive=False))
    proc = run_cli("install", "fake")
    assert f"download route: {file_server.url}/missing: HTTP 404" in proc.stdout


def run_ok(path) -> str:
    return subprocess.run([str(path)], capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    # the local server must be reached directly even where a proxy is configured
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(var, raising=False)
