"""The real check: the installed tilt (whatever route made it) serves its web dashboard, and the
page loads nothing from another host. Starts the real binary with a trivial Tiltfile on a free
port, fetches / and the files it references, then stops it."""
from __future__ import annotations

import html.parser
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from toolchain_helpers import REPO

from scripts.toolchain import manifest, versions
from tests.support.ports import free_port

PINS = versions.load(REPO / "scripts" / "versions.toml")
REAL = {k: "" for k in ("TODO_APP_CACHE", "TODO_APP_BIN", "TODO_APP_VERSIONS")}


class Refs(html.parser.HTMLParser):
    """<link href> and <script src>, parsed here independently of the code under test."""

    def __init__(self):
        super().__init__()
        self.links, self.scripts = [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and a.get("href"):
            self.links.append(a["href"])
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"])


def get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, "", b""


@pytest.fixture(scope="module")
def tilt_server(tmp_path_factory, monkeypatch_module):
    for k, v in REAL.items():
        monkeypatch_module.setenv(k, v)
    # read, not valid(): what is checked here is the binary itself, whichever route recorded it
    found = manifest.read(PINS.tool("tilt"))
    assert found and found.binary("tilt").is_file(), "tilt is not installed: python3 scripts/toolchain install tilt"
    work = tmp_path_factory.mktemp("tilt-dashboard")
    (work / "Tiltfile").write_text("local_resource('hello', cmd='echo hello from the dashboard check')\n")
    # No cluster needed for a local_resource: an empty kubeconfig keeps the shared cluster out of it.
    (work / "kubeconfig").write_text("")
    port = free_port()
    env = {**os.environ, "TILT_DISABLE_ANALYTICS": "1", "KUBECONFIG": str(work / "kubeconfig")}
    log = (work / "tilt.log").open("w")
    proc = subprocess.Popen([str(found.binary("tilt")), "up", "--stream", "--port", str(port), "--host", "127.0.0.1"],
                            cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                status, _, _ = get(base + "/")
                if status == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None, (work / "tilt.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "tilt did not serve / within 90 s: " + (work / "tilt.log").read_text()[-3000:]
            time.sleep(0.5)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def is_local(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    return not parts.netloc or parts.hostname in ("127.0.0.1", "localhost", "::1")


def test_the_installed_tilt_serves_its_dashboard_with_no_remote_link_or_script(tilt_server):
    status, kind, body = get(tilt_server + "/")
    assert status == 200 and kind.startswith("text/html")
    page = body.decode()
    refs = Refs()
    refs.feed(page)
    mains = [s for s in refs.scripts if re.fullmatch(r"/static/js/main\.[0-9a-f]+\.js", s)]
    assert mains, f"no /static/js/main.*.js in {refs.scripts}"
    remote = [u for u in refs.links + refs.scripts if not is_local(u)]
    assert remote == [], f"the page loads from other hosts: {remote}"
    # the bundle and the vendored fonts are really served (Tilt serves only /static/* as files)
    status, kind, js = get(tilt_server + mains[0])
    assert status == 200 and "javascript" in kind and len(js) > 100_000
    assert b"tilt.dev/assets" not in js  # the disconnected-state favicon is local too
    css_links = [u for u in refs.links if u.endswith(".css")]
    fonts_css = next(u for u in css_links if "/fonts/" in u)
    status, _, css = get(tilt_server + fonts_css)
    assert status == 200 and b'font-family: "Material Icons"' in css and b"font-family: 'Inconsolata'" in css
    woff2 = re.findall(rb'url\("([^"]+material-icons\.woff2)"\)', css)
    assert woff2, css[:500]
    status, _, font = get(urllib.parse.urljoin(tilt_server + fonts_css, woff2[0].decode()))
    assert status == 200 and font[:4] == b"wOF2"
