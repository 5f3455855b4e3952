"""Two bootstraps at once: the second waits for the first (saying so) and then finds everything
installed, so the cache is never written by two processes."""
from __future__ import annotations

import io
import subprocess
import sys
import time

from toolchain_helpers import REPO, fake_binary_bytes, fake_tool_toml, run_cli, sha256
from scripts.toolchain.lock import cache_lock
from scripts.toolchain.progress import Progress

HOLD = """
import sys, time
sys.path.insert(0, {repo!r})
from scripts.toolchain.lock import cache_lock
with cache_lock(print):
    print("held", flush=True)
    time.sleep({seconds})
"""


def test_a_second_holder_waits_and_says_so(sandbox):
    holder = subprocess.Popen([sys.executable, "-c", HOLD.format(repo=str(REPO), seconds=1.5)],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    out = io.StringIO()
    start = time.monotonic()
    with cache_lock(Progress(out=out).say):
        waited = time.monotonic() - start
    holder.wait(timeout=10)
    assert waited >= 1.0
    assert f"another bootstrap (pid {holder.pid}) is installing into {sandbox.cache}; waiting for it" in out.getvalue()
    assert "the other bootstrap finished after" in out.getvalue()


def test_an_uncontended_lock_is_silent_and_reusable(sandbox):
    out = io.StringIO()
    for _ in range(2):
        with cache_lock(Progress(out=out).say):
            pass
    assert out.getvalue() == ""


def test_concurrent_installs_download_once_and_both_succeed(sandbox, file_server):
    body = fake_binary_bytes("fake", "1.2.3")
    file_server.files["/fake"] = body
    file_server.delay = 1.5  # the first install is still downloading when the second starts
    sandbox.write_versions(fake_tool_toml() + f'[[tools.fake.download]]\nurl = "{file_server.url}/fake"\n'
                           f'sha256 = "{sha256(body)}"\nbinary = "fake"\n')
    cmd = [sys.executable, str(REPO / "scripts" / "toolchain"), "install", "fake"]
    first = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(0.5)
    second = run_cli("install", "fake", timeout=60)
    first_out, _ = first.communicate(timeout=60)
    assert first.returncode == 0 and second.returncode == 0, first_out + second.stdout + second.stderr
    assert file_server.hits == {"/fake": 1}
    assert "waiting for it" in second.stdout
    assert "[toolchain] ok fake 1.2.3 (official download" in second.stdout  # found it installed
    assert "downloading" not in second.stdout
