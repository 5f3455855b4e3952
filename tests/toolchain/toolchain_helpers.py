"""Helpers for the toolchain tests: fake tool binaries (tiny shell scripts that report a version,
like the real tools do), archives, versions files, a local HTTP server standing in for the release
hosts, PyPI and npm (none of which a test may reach), and the CLI as the README runs it."""
from __future__ import annotations

import hashlib
import http.server
import io
import os
import subprocess
import sys
import tarfile
import threading
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def fake_binary_bytes(name: str, version: str) -> bytes:
    return f"#!/bin/sh\necho \"{name} v{version} (fake)\"\n".encode()


def write_fake_binary(path: Path, name: str, version: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(fake_binary_bytes(name, version))
    path.chmod(0o755)
    return path


def tarball(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o755
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def wheel(name: str, version: str) -> tuple[str, bytes]:
    """A wheel whose script `fake` prints its version; executable, as real wheels mark scripts."""
    dist = name.replace("-", "_")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(f"{dist}-{version}.dist-info/METADATA",
                    f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        zf.writestr(f"{dist}-{version}.dist-info/WHEEL",
                    "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        script = zipfile.ZipInfo(f"{dist}-{version}.data/scripts/fake")
        script.external_attr = 0o100755 << 16
        zf.writestr(script, fake_binary_bytes("fake", version))
        zf.writestr(f"{dist}-{version}.dist-info/RECORD", "")
    return f"{dist}-{version}-py3-none-any.whl", buf.getvalue()


def serve_simple_index(server, name: str, versions: list[str]) -> None:
    """`name`'s wheels at these versions on a local PEP 503 'simple' index (the file_server fixture)."""
    links = []
    for v in versions:
        filename, body = wheel(name, v)
        server.files[f"/files/{filename}"] = body
        links.append(f'<a href="../../files/{filename}#sha256={sha256(body)}">{filename}</a>')
    server.files[f"/simple/{name}/"] = ("<html><body>" + "".join(links) + "</body></html>").encode()


def fake_tool_toml(name: str = "fake", version: str = "1.2.3", routes=("download",), extra: str = "",
                   accept: str = "1.2.", default: bool = True) -> str:
    """A versions.toml with one fake tool whose binary prints `<name> v<version> (fake)`."""
    routes_toml = "[" + ", ".join(f'"{r}"' for r in routes) + "]"
    default_toml = f'["{name}"]' if default else "[]"
    return ('[kubernetes]\nversion = "1.35.4"\n\n'
            f'[install]\ndefault = {default_toml}\n\n'
            f'[tools.{name}]\nversion = "{version}"\naccept = "{accept}"\nbinaries = ["{name}"]\n'
            f'version_command = ["{name}", "--version"]\n'
            f"version_pattern = '{name} v(\\d+\\.\\d+\\.\\d+)'\n"
            f'routes = {routes_toml}\nmanual = "install {name} by hand"\n\n' + extra)


class FileServer:
    """Serves {path: bytes} on 127.0.0.1; counts requests per path; optional delay per request."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.hits: dict[str, int] = {}
        self.delay = 0.0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                path = self.path.split("?")[0]
                server.hits[path] = server.hits.get(path, 0) + 1
                time.sleep(server.delay)
                body = server.files.get(path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Content-Type", "application/octet-stream" if not path.endswith("/")
                                 and not path.endswith(".json") else "text/html")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def run_cli(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """The CLI exactly as the README runs it: `python3 scripts/toolchain ...`."""
    return subprocess.run([sys.executable, str(REPO / "scripts" / "toolchain"), *args], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=timeout, cwd=REPO)
