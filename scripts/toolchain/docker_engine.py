"""Make sure a Docker engine answers. An engine that already runs is never touched; otherwise
(root only) Debian's docker.io is installed if needed and dockerd started in the background with
its log and pid file in the cache, after clearing pid files a killed daemon left behind."""
from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import time
from pathlib import Path

from .apt import ensure_apt_packages
from .paths import logs_dir, run_dir
from .progress import Progress, last_line

START_TIMEOUT = 90.0


class EngineError(RuntimeError):
    pass


@dataclasses.dataclass
class DockerdConfig:
    """Where the daemon listens and keeps its state; defaults are the system daemon's.
    (Tests start a private daemon on their own socket and directories.)"""
    host: str = "unix:///var/run/docker.sock"
    pidfile: Path = Path("/var/run/docker.pid")
    extra_args: tuple[str, ...] = ()
    # Runs dockerd through e.g. ("unshare", "--net"): a second daemon must not share the host's
    # network namespace, where it would reconfigure (or, with --bridge none, delete) docker0.
    command_prefix: tuple[str, ...] = ()
    log: Path | None = None
    our_pidfile: Path | None = None

    def __post_init__(self):
        self.log = self.log or logs_dir() / "dockerd.log"
        self.our_pidfile = self.our_pidfile or run_dir() / "dockerd.pid"


def engine_answers(cli: Path | str, host: str | None = None, timeout: float = 10) -> str | None:
    """The server version if an engine answers (on `host`, or wherever the environment points)."""
    env = dict(os.environ)
    if host:
        env["DOCKER_HOST"] = host
    try:
        proc = subprocess.run([str(cli), "version", "--format", "{{.Server.Version}}"], capture_output=True,
                              text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    version = proc.stdout.strip()
    return version if proc.returncode == 0 and version else None


def running_dockerd(pidfile: Path) -> int | None:
    """The pid in `pidfile` if that process is alive and is a dockerd."""
    try:
        pid = int(pidfile.read_text().strip())
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, ValueError, IndexError):
        return None
    # A killed daemon can linger as a zombie until its parent reaps it: that is not running.
    return pid if comm == "dockerd" and state not in ("Z", "X") else None


def clear_stale_pidfile(pidfile: Path, progress: Progress) -> bool:
    """Remove a pid file whose daemon is gone (dockerd refuses to start while it exists)."""
    if not pidfile.exists() or running_dockerd(pidfile):
        return False
    content = pidfile.read_text(errors="replace").strip() or "empty"
    pidfile.unlink()
    progress.say(f"    removed stale pid file {pidfile} (pid {content} is not a running dockerd)")
    return True


def ensure_engine(progress: Progress, config: DockerdConfig | None = None, cli: str | None = None) -> str:
    """Return a one-line status; raise EngineError with the fix when no engine can be had."""
    config = config or DockerdConfig()
    from .docker_cli import candidates
    clis = [cli] if cli else [str(c) for c in candidates()]
    for c in clis:  # the user's own setup (DOCKER_HOST, default socket) first
        version = engine_answers(c, None if config.host == DockerdConfig.host else config.host)
        if version:
            return f"Docker engine {version} answers (left as it is)"
    if os.geteuid() != 0:
        raise EngineError("no Docker engine answers: start it (e.g. `sudo systemctl start docker`; "
                          "install Docker Engine or Debian's docker.io first if needed) and make sure your "
                          "user may use it (group docker), then re-run")
    dockerd = find_dockerd()
    if not dockerd or not clis:
        ensure_apt_packages(["docker.io"], progress)
        dockerd = find_dockerd()
        clis = [cli] if cli else [str(c) for c in candidates()]
    if not dockerd or not clis:
        raise EngineError("docker.io installed but dockerd/docker not found on PATH; check `dpkg -L docker.io`")
    for pidfile in (config.our_pidfile, config.pidfile):
        pid = running_dockerd(pidfile)
        if pid:  # someone's daemon runs but does not answer: never kill or restart it
            raise EngineError(f"dockerd (pid {pid}, {pidfile}) is running but does not answer on {config.host}; "
                              f"it was left alone: check its log (ours: {config.log}) or restart it yourself")
        clear_stale_pidfile(pidfile, progress)
    settle_managed_containerd(config, progress)
    if config.host == DockerdConfig.host and Path("/run/systemd/system").is_dir() and shutil.which("systemctl"):
        started = start_with_systemd(progress, clis[0])
        if started:
            return started
    return start_dockerd(progress, config, dockerd, clis[0])


def find_dockerd() -> str | None:
    """root's PATH may lack sbin (e.g. under sudo -E or CI runners)."""
    for candidate in (shutil.which("dockerd"), "/usr/sbin/dockerd", "/usr/bin/dockerd"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def start_with_systemd(progress: Progress, cli: str) -> str | None:
    """Where systemd runs the machine, the packaged docker.service is the normal way to start."""
    with progress.step("systemctl start docker"):
        proc = subprocess.run(["systemctl", "start", "docker"], capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            progress.say(f"    systemctl start docker failed ({proc.stderr.strip()[:200]}); starting dockerd directly")
            return None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            version = engine_answers(cli, timeout=5)
            if version:
                return f"started docker.service {version} with systemctl"
            time.sleep(0.5)
    raise EngineError(f"docker.service started but the engine did not answer within {START_TIMEOUT:.0f}s: "
                      "see `journalctl -u docker`")


def exec_root(config: DockerdConfig) -> Path:
    args = list(config.extra_args)
    for i, arg in enumerate(args):
        if arg == "--exec-root" and i + 1 < len(args):
            return Path(args[i + 1])
        if arg.startswith("--exec-root="):
            return Path(arg.split("=", 1)[1])
    return Path("/var/run/docker")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def settle_managed_containerd(config: DockerdConfig, progress: Progress, wait: float = 15.0) -> None:
    """A killed dockerd leaves its own containerd dying for a moment; a new dockerd that finds it
    'still running' tries to reuse it and then times out. Wait for it to go, then drop its pid file."""
    pidfile = exec_root(config) / "containerd" / "containerd.pid"
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return
    deadline = time.monotonic() + wait
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if not _alive(pid):
        pidfile.unlink(missing_ok=True)
        progress.say(f"    removed stale pid file {pidfile} (containerd {pid} of a stopped dockerd is gone)")


def start_dockerd(progress: Progress, config: DockerdConfig, dockerd: str, cli: str) -> str:
    config.log.parent.mkdir(parents=True, exist_ok=True)
    config.our_pidfile.parent.mkdir(parents=True, exist_ok=True)
    cmd = [*config.command_prefix, dockerd, "--host", config.host, "--pidfile", str(config.pidfile),
           *config.extra_args]
    with progress.step(f"start dockerd (log: {config.log})"):
        with config.log.open("a") as log:
            log.write(f"\n$ {' '.join(cmd)}\n")
            log.flush()
            # Own session: the daemon outlives this bootstrap and ignores its Ctrl-C.
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
        config.our_pidfile.write_text(f"{proc.pid}\n")
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                config.our_pidfile.unlink(missing_ok=True)
                raise EngineError(f"dockerd exited ({proc.returncode}): {last_line(config.log)} (log: {config.log})")
            version = engine_answers(cli, config.host, timeout=5)
            if version:
                return f"started dockerd {version} (pid {proc.pid}, log: {config.log})"
            time.sleep(0.5)
    raise EngineError(f"dockerd (pid {proc.pid}) did not answer on {config.host} within {START_TIMEOUT:.0f}s; "
                      f"it is left running: see {config.log}")
