"""What `./scripts/dev test` and `./scripts/dev up` install first, in two lanes side by side.

On a new machine the toolchain's Go builds (tilt with its dashboard, Kubernetes, helm, etcd,
CoreDNS) take minutes of both CPUs, while the Debian packages, the Docker engine, the frontend's
npm packages and the offline base images (debootstrap) mostly wait on the package registries and
the disk. Run one after the other they add up; side by side the downloads fit inside the builds.
Each lane is a list of commands; the toolchain locks each tool it installs, so the two lanes'
installs never write the same tool (scripts/toolchain/lock.py). Warm, every step is a check of a
second or two.

The build lane prints as it goes; the download lane's output goes to reports/logs/prepare-downloads.log
with a start and end line per step here. A failed step stops both lanes and names itself and its log.
"""
from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import threading
import time
from typing import Callable, TextIO

from scripts.checks.frontend_env import lock_digest, lock_stamp
from scripts.toolchain import tool_env
from scripts.toolchain.versions import load as load_versions

from .steps import banner
from .suites import PY, REPO, REPORTS, Suite

TOOLCHAIN = [PY, "-m", "scripts.toolchain", "install"]

_running: set[subprocess.Popen] = set()
_running_guard = threading.Lock()


def check(cmd: list[str], what: str, out: TextIO | None = None) -> None:
    """Run a setup step (its output to `out` when given); a failure stops the run with the step named."""
    start = time.monotonic()
    log_name = f" (output: {out.name})" if out is not None else ""
    banner(f"{what}{log_name}")
    if out is not None:
        print(f"==> {what}", file=out, flush=True)
    # Its own process group: a failure in the other lane stops it and whatever it started (go build).
    proc = subprocess.Popen(cmd, cwd=REPO, env=tool_env(), stdout=out, stdin=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT if out else None, start_new_session=True)
    with _running_guard:
        _running.add(proc)
    try:
        rc = proc.wait()
    except BaseException:  # Ctrl-C: its own session does not get the terminal's SIGINT
        _stop(proc)
        raise
    finally:
        with _running_guard:
            _running.discard(proc)
    if rc != 0:
        raise SystemExit(f"setup step failed: {what} (exit {rc}); see " + (f"{out.name}" if out else "the output above"))
    banner(f"{what}: ok in {time.monotonic() - start:.1f}s")


def npm_ci(out: TextIO | None = None) -> None:
    """`npm ci` only when package-lock.json changed since the last install (a stamp in node_modules)."""
    stamp, want = lock_stamp(), lock_digest()
    if stamp.exists() and stamp.read_text() == want:
        return
    check(["npm", "ci", "--prefix", "frontend", "--no-audit", "--no-fund"], "frontend: npm ci", out)
    stamp.write_text(want)


@dataclasses.dataclass(frozen=True)
class Step:
    what: str
    run: Callable[[TextIO | None], None]
    provides: str = ""  # the service (test_cmd's suite needs) this step sets up


def _command(what: str, cmd: list[str], provides: str = "") -> Step:
    return Step(what, lambda out: check(cmd, what, out), provides)


def needs_of(suites: list[Suite]) -> set[str]:
    """What these suites need set up (Suite.needs; the frontend's own suites need its packages too)."""
    needs = {need for suite in suites for need in suite.needs}
    if any(s.cwd.name == "frontend" for s in suites):
        needs.add("frontend-deps")
    return needs


def lanes(needs: set[str]) -> tuple[list[Step], list[Step]]:
    """(build lane, download lane) for these needs ("docker", "cluster", "frontend-deps"): nothing more."""
    builds = [_command("toolchain: tools (Go builds on a new machine)",
                       [*TOOLCHAIN, *load_versions().default_install])]
    if "cluster" in needs:
        builds.append(_command("local cluster's programs (etcd, CoreDNS, pause, provisioner)",
                               [PY, "-m", "scripts.cluster.builds"]))
    # node first: npm ci runs with it (Debian's npm under the project's Node 22), and the node base
    # image copies its binary. The build lane's tilt needs it too; whichever lane comes second waits.
    downloads = [_command("toolchain: Debian packages, Docker engine, Node", [*TOOLCHAIN, "apt", "docker", "node"],
                          provides="docker")]
    if "frontend-deps" in needs:
        downloads.append(Step("frontend: npm ci (when the lock changed)", npm_ci, provides="frontend-deps"))
    if needs & {"docker", "cluster"}:
        downloads.append(_command("offline base images (debootstrap on a new machine)",
                                  [PY, "-m", "scripts.images", "bases"]))
    return builds, downloads


def prepare(needs: set[str]) -> set[str]:
    """Run both lanes; returns the services they set up. A failure in either stops the other."""
    builds, downloads = lanes(needs)
    failures: list[str] = []

    def run_lane(steps: list[Step], out: TextIO | None) -> None:
        for step in steps:
            if failures:
                return
            try:
                step.run(out)
            except SystemExit as exc:
                failures.append(str(exc))
                _stop_running()
                return

    (REPORTS / "logs").mkdir(parents=True, exist_ok=True)
    with open(REPORTS / "logs" / "prepare-downloads.log", "w", buffering=1) as log:
        beside = threading.Thread(target=run_lane, args=(downloads, log), name="downloads")
        beside.start()
        run_lane(builds, None)
        beside.join()
    if failures:
        raise SystemExit(failures[0])
    return {step.provides for step in builds + downloads if step.provides}


def _stop_running() -> None:
    with _running_guard:
        procs = list(_running)
    for proc in procs:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
