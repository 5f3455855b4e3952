"""Docker: the project's docker CLI can build with BuildKit (cache mounts), a running engine is
never touched, and a daemon killed hard is restarted after its stale pid files are cleared."""
from __future__ import annotations

import io
import os
import signal
import subprocess
import tarfile
import time
import uuid
from pathlib import Path

import pytest

from scripts.toolchain import docker_cli, ensure_apt_packages
from scripts.toolchain.docker_cli import has_buildx
from scripts.toolchain.docker_engine import DockerdConfig, EngineError, ensure_engine, running_dockerd
from scripts.toolchain.progress import Progress


def test_docker_cli_is_buildkit_capable_and_env_enables_buildkit():
    path, env = docker_cli()
    assert Path(path).is_file() and env["DOCKER_BUILDKIT"] == "1"
    local = Path("/usr/local/bin/docker")
    if local.exists() and not has_buildx(local):  # this machine's 28.x CLI: no buildx, no BuildKit
        assert Path(path).resolve() != local.resolve()


@pytest.fixture
def busybox_base():
    """A minimal base image made offline: Debian's static busybox, `docker import`ed."""
    ensure_apt_packages(["busybox-static"])
    docker, env = docker_cli()
    tag = f"todo-toolchain-test-base:{uuid.uuid4().hex[:12]}"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add("/bin/busybox", arcname="bin/busybox")
        link = tarfile.TarInfo("bin/sh")
        link.type, link.linkname = tarfile.SYMTYPE, "busybox"
        tar.addfile(link)
    subprocess.run([docker, "import", "-", tag], input=buf.getvalue(), env=env, check=True, capture_output=True)
    yield tag
    subprocess.run([docker, "rmi", "-f", tag], env=env, capture_output=True)


def test_an_image_with_a_buildkit_cache_mount_builds_and_runs(busybox_base, tmp_path):
    docker, env = docker_cli()
    cache_id = uuid.uuid4().hex
    (tmp_path / "Dockerfile").write_text(
        f"FROM {busybox_base}\n"
        "ARG BUILD\n"
        f"RUN --mount=type=cache,id={cache_id},target=/cache sh -c 'echo $BUILD >> /cache/runs && cp /cache/runs /runs'\n"
        'CMD ["/bin/busybox", "cat", "/runs"]\n')
    image = f"todo-toolchain-test-app:{cache_id[:12]}"
    try:
        for build in ("first", "second"):  # a changed ARG re-runs the step, which must see the first's cache
            proc = subprocess.run([docker, "build", "--build-arg", f"BUILD={build}", "-t", image, str(tmp_path)], env=env,
                                  capture_output=True, text=True, timeout=300)
            assert proc.returncode == 0, proc.stderr
        run = subprocess.run([docker, "run", "--rm", "--network", "none", image], env=env,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        assert run.stdout.split() == ["first", "second"]
    finally:
        subprocess.run([docker, "rmi", "-f", image], env=env, capture_output=True)


def test_a_running_engine_is_left_alone(sandbox):
    out = io.StringIO()
    status = ensure_engine(Progress(out=out))
    assert status.startswith("Docker engine ") and status.endswith("answers (left as it is)")
    assert not (sandbox.cache / "run" / "dockerd.pid").exists() and out.getvalue() == ""


@pytest.fixture
def private_daemon(tmp_path):
    """A second dockerd on its own socket and directories and in its own network namespace, so the
    real engine is never touched (dockerd started with --bridge none deletes any docker0 it sees)."""
    root = Path(f"/tmp/tc-dockerd-{uuid.uuid4().hex[:8]}")  # short: unix socket paths are limited
    root.mkdir()
    config = DockerdConfig(host=f"unix://{root}/docker.sock", pidfile=root / "docker.pid", log=root / "dockerd.log",
                           our_pidfile=root / "ours.pid", command_prefix=("unshare", "--net"),
                           extra_args=("--data-root", str(root / "data"), "--exec-root", str(root / "exec"),
                                       "--bridge", "none", "--iptables=false"))
    yield config
    pid = running_dockerd(config.our_pidfile)
    containerd = root / "exec" / "containerd" / "containerd.pid"
    helpers = [int(containerd.read_text())] if containerd.exists() else []
    if pid:
        os.kill(pid, signal.SIGTERM)
    wait_gone([p for p in [pid, *helpers] if p])
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:  # dockerd bind-mounts its data root and leaves it behind
        mounts = [ln.split()[1] for ln in Path("/proc/mounts").read_text().splitlines()]
        ours = sorted({m for m in mounts if m.startswith(str(root))}, reverse=True)
        if not ours:
            break
        for mount in ours:
            subprocess.run(["umount", mount], capture_output=True)
        time.sleep(0.1)
    subprocess.run(["rm", "-rf", str(root)])


def wait_gone(pids: list[int], timeout: float = 20) -> None:
    """Wait for processes to exit, reaping the ones that are our children (dockerd is)."""
    deadline = time.monotonic() + timeout
    while pids and time.monotonic() < deadline:
        for pid in list(pids):
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                state = "gone"
            if state in ("gone", "Z", "X"):
                pids.remove(pid)
        time.sleep(0.1)


def test_a_stale_pid_file_is_cleared_and_the_daemon_started(private_daemon):
    assert os.geteuid() == 0, "starting dockerd needs root (the bootstrap prints the fix otherwise)"
    private_daemon.pidfile.write_text("999999\n")  # left by a daemon that no longer exists
    out = io.StringIO()
    status = ensure_engine(Progress(out=out), private_daemon, cli="/usr/bin/docker")
    assert status.startswith("started dockerd ") and str(private_daemon.log) in status
    assert f"removed stale pid file {private_daemon.pidfile} (pid 999999 is not a running dockerd)" in out.getvalue()
    pid = running_dockerd(private_daemon.our_pidfile)
    assert pid and running_dockerd(private_daemon.pidfile) == pid

    os.kill(pid, signal.SIGKILL)  # killed hard: its pid files stay behind
    wait_gone([pid])
    out = io.StringIO()
    status = ensure_engine(Progress(out=out), private_daemon, cli="/usr/bin/docker")
    assert status.startswith("started dockerd ")
    assert f"removed stale pid file {private_daemon.pidfile}" in out.getvalue()
    assert running_dockerd(private_daemon.our_pidfile) not in (None, pid)


def test_a_running_daemon_that_does_not_answer_is_not_touched(private_daemon):
    ensure_engine(Progress(out=io.StringIO()), private_daemon, cli="/usr/bin/docker")
    pid = running_dockerd(private_daemon.our_pidfile)
    deaf = DockerdConfig(**{**private_daemon.__dict__, "host": f"unix://{private_daemon.pidfile.parent}/nobody.sock"})
    with pytest.raises(EngineError, match=f"dockerd \\(pid {pid}, .*\\) is running but does not answer .* left alone"):
        ensure_engine(Progress(out=io.StringIO()), deaf, cli="/usr/bin/docker")
    assert running_dockerd(private_daemon.our_pidfile) == pid
