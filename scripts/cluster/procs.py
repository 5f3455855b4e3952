"""Start host daemons detached, remember them by pid file, and stop only what is provably ours.

A pid file holds the pid, the kernel's start time of that process and its argv[0]. A pid is treated as
ours only while /proc/<pid> still shows the same start time and executable, so a pid reused by an
unrelated process after a crash is never signalled.
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

from . import config

# Executables we start (directly or through containerd); used to recognise leftovers of a killed run.
OUR_EXECUTABLES = {"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet",
                   "kube-proxy", "containerd", "containerd-shim-runc-v2", "docker-registry"}


def _stat_starttime(pid: int) -> int | None:
    try:
        data = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # comm may contain spaces/parens: fields after the last ')' are fixed. starttime is field 22.
    rest = data[data.rindex(")") + 2:].split()
    return int(rest[19])


def cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [a.decode(errors="replace") for a in raw.split(b"\0") if a]


def _is_zombie(pid: int) -> bool:
    try:
        data = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return data[data.rindex(")") + 2:].startswith("Z")


def alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists() and not _is_zombie(pid)


def fingerprint(state: config.State, argv: list[str]) -> str:
    """Digest of a command line and the config files it names: a change means a restart."""
    h = hashlib.sha256("\0".join(argv).encode())
    for a in argv:
        path = a.split("=", 1)[-1]
        if path.startswith(str(state.config) + "/") and os.path.isfile(path):
            h.update(Path(path).read_bytes())
    return h.hexdigest()[:16]


def recorded_fingerprint(state: config.State, name: str) -> str | None:
    try:
        return json.loads(state.pidfile(name).read_text()).get("fingerprint")
    except (OSError, ValueError):
        return None


def start(state: config.State, name: str, argv: list[str],
          env: dict[str, str] | None = None) -> subprocess.Popen:
    state.logs.mkdir(parents=True, exist_ok=True)
    state.run.mkdir(parents=True, exist_ok=True)
    log = state.log(name)
    with log.open("ab") as out:
        out.write(f"\n==== {time.strftime('%Y-%m-%d %H:%M:%S')} starting {name}: {' '.join(argv)}\n".encode())
        out.flush()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, close_fds=True, env=env, cwd=str(state.root))
    st = _stat_starttime(proc.pid)
    tmp = state.pidfile(name).with_suffix(".tmp")
    tmp.write_text(json.dumps({"pid": proc.pid, "starttime": st, "exe": argv[0],
                               "fingerprint": fingerprint(state, argv)}) + "\n")
    tmp.rename(state.pidfile(name))  # atomic: readers never see a half-written pid file
    # The caller may poll() the Popen while it waits; the daemon outlives this command either way.
    return proc


def pid_of(state: config.State, name: str) -> int | None:
    """The component's pid if its pid file names a live process that is still the one we started."""
    pf = state.pidfile(name)
    try:
        rec = json.loads(pf.read_text())
    except (OSError, ValueError):
        return None
    pid = rec.get("pid")
    if not isinstance(pid, int) or not alive(pid):
        return None
    if _stat_starttime(pid) != rec.get("starttime"):
        return None
    args = cmdline(pid)
    if not args or args[0] != rec.get("exe"):
        return None
    return pid


def signal_and_wait(pids: list[int], timeout: float, sig: int = signal.SIGTERM) -> list[int]:
    """Send `sig` to every pid, wait up to `timeout` s; SIGKILL what is left. Returns pids signalled."""
    sent = []
    for pid in pids:
        try:
            os.kill(pid, sig)
            sent.append(pid)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(alive(p) for p in sent):
        _reap_children()
        time.sleep(0.05)
    for pid in sent:
        if alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(alive(p) for p in sent):
        _reap_children()
        time.sleep(0.05)
    return sent


def _reap_children() -> None:
    """Daemons started by this very process (e.g. by `up` earlier in the same test run) become
    zombies when killed; collect them so they do not look alive."""
    try:
        while True:
            pid, _ = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
    except ChildProcessError:
        pass


def stop(state: config.State, names: list[str], timeout: float = 10) -> list[str]:
    """Stop components (in parallel) by their pid files. Returns the names that were running."""
    pids = {}
    for n in names:
        pid = pid_of(state, n)
        if pid:
            pids[n] = pid
    signal_and_wait(list(pids.values()), timeout)
    for n in names:
        state.pidfile(n).unlink(missing_ok=True)
    return list(pids)


def leftovers(state: config.State) -> list[int]:
    """Processes of ours without (valid) pid files: any of our executables whose command line
    names this state directory (e.g. containerd shims, or daemons of a run whose pid files are gone)."""
    root = str(state.root) + "/"
    me = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        args = cmdline(int(entry.name))
        if not args or os.path.basename(args[0]) not in OUR_EXECUTABLES:
            continue
        if any(root in a or a == str(state.root) for a in args):
            if alive(int(entry.name)):
                found.append(int(entry.name))
    return found
