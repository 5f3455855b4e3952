"""Two bootstraps at once: an install of a tool the other is installing waits for it (saying so) and
then finds it installed, so a tool's cache is never written by two processes; installs of different
tools go on side by side (the test command builds the Go tools beside the downloads)."""
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
with cache_lock(print, {target!r}):
    print("held", flush=True)
    time.sleep({seconds})
"""

TRY = """
import fcntl, os, sys
sys.path.insert(0, {repo!r})
from scripts.toolchain.lock import lock_path
fd = os.open(lock_path({target!r}), os.O_RDWR | os.O_CREAT)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    print("free", flush=True)
except BlockingIOError:
    print("busy", flush=True)
"""


def test_a_second_holder_waits_and_says_so(sandbox):
    holder = _hold("tilt", seconds=1.5)
    waited, said = _take("tilt")
    holder.wait(timeout=10)
    assert waited >= 1.0
    assert f"another bootstrap (pid {holder.pid}) is installing tilt into {sandbox.cache}; waiting for it" in said
    assert "the other bootstrap finished tilt after" in said


def test_another_targets_lock_does_not_wait(sandbox):
    holder = _hold("tilt", seconds=3)
    waited, said = _take("apt")
    holder.kill()
    holder.wait(timeout=10)
    assert waited < 0.5 and said == ""


def test_a_process_reenters_a_lock_it_holds(sandbox):
    # tilt's install ensures node: when the same process is installing node, that must not deadlock
    out = io.StringIO()
    with cache_lock(Progress(out=out).say, "node"):
        with cache_lock(Progress(out=out).say, "node"):
            pass
        holder = _hold("node", seconds=0, block=False)
        assert holder.stdout.readline().strip() == "busy"  # still held by the outer block
        holder.wait(timeout=10)
    assert out.getvalue() == ""


def _take(target: str) -> tuple[float, str]:
    """Take `target`'s lock here: how long that waited, and what it said."""
    out = io.StringIO()
    start = time.monotonic()
    with cache_lock(Progress(out=out).say, target):
        waited = time.monotonic() - start
    return waited, out.getvalue()


def _hold(target: str, seconds: float, block: bool = True) -> subprocess.Popen:
    """Another process holding `target`'s lock (block=False: report whether it is free)."""
    code = HOLD.format(repo=str(REPO), seconds=seconds, target=target) if block else TRY.format(
        repo=str(REPO), target=target)
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    if block:
        assert holder.stdout.readline().strip() == "held"
    return holder


def test_an_uncontended_lock_is_silent_and_reusable(sandbox):
    out = io.StringIO()
    for _ in range(2):
        with cache_lock(Progress(out=out).say, "helm"):
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


def test_installs_of_different_tools_run_side_by_side(sandbox, file_server):
    file_server.delay = 2.0
    downloads = {}
    for name in ("fake", "other"):
        body = fake_binary_bytes(name, "1.2.3")
        file_server.files[f"/{name}"] = body
        downloads[name] = (f'[[tools.{name}.download]]\nurl = "{file_server.url}/{name}"\n'
                           f'sha256 = "{sha256(body)}"\nbinary = "{name}"\n\n')
    other = fake_tool_toml("other").split("\n\n", 2)[2]  # its [tools.other] table without the header
    toml = fake_tool_toml("fake") + downloads["fake"] + other + downloads["other"]
    sandbox.write_versions(toml)
    start = time.monotonic()
    cmd = [sys.executable, str(REPO / "scripts" / "toolchain"), "install"]
    first = subprocess.Popen([*cmd, "fake"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    second = run_cli("install", "other", timeout=60)
    first_out, _ = first.communicate(timeout=60)
    elapsed = time.monotonic() - start
    assert first.returncode == 0 and second.returncode == 0, first_out + second.stdout + second.stderr
    assert file_server.hits == {"/fake": 1, "/other": 1}
    assert "waiting for it" not in first_out + second.stdout
    assert elapsed < 2 * file_server.delay  # one after the other would take both delays
