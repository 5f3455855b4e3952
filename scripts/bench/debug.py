"""Backend save-to-live with the debugger on next to off (a script that prints numbers, not a test).

    .venv/bin/python -m scripts.bench debug [--edits 12] [--context todo-local]

One `tilt up` session in a scratch namespace and ports, first plain, then with `--debug=backend` set
through `tilt args` (what the dashboard's Start debugger button does): the same edits of an
existing route each time, measured from the write to the first response with the new marker
through the port-forward (scripts/bench/loop.py's backend probe). No debugger client is attached;
with one attached and no breakpoint hit, debugpy costs the same.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from .loop import backend_edits, pct
from tests.support.tilt_session import Tilt, copy_repo, free_port

READY = ["backend", "backend-liveness", "backend-readiness"]


def _until_gone(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5).close()
        except urllib.error.HTTPError as err:
            if err.code == 404:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} still answers after {timeout}s")


def _debug_pod_ready(tilt: Tilt) -> bool:
    pods = json.loads(tilt.kubectl("get", "pods", "-l", "app.kubernetes.io/component=backend", "-o", "json").stdout)
    items = pods["items"]
    if len(items) != 1 or items[0]["metadata"].get("deletionTimestamp"):
        return False
    pod = items[0]
    command = pod["spec"]["containers"][0].get("command") or []
    ready = any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions", []))
    return "debugpy" in command and ready


def _restarted(tilt: Tilt, flags: list[str]) -> None:
    # TILT_PORT in tilt.env() picks the session (a --port flag would land among the Tiltfile's args).
    subprocess.run(["tilt", "args", *tilt.flags(*flags)], cwd=tilt.workdir, env=tilt.env(), check=True,
                   timeout=60)
    deadline = time.monotonic() + 600
    while not _debug_pod_ready(tilt):  # the old pod goes first (Recreate), then the debug one is ready
        if time.monotonic() > deadline:
            raise TimeoutError("the backend pod never came back with the debug command")
        time.sleep(2)
    tilt.wait_ready(READY, timeout=600)
    backend_edits(tilt, 1)  # not measured: the first sync into the new container


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--context", default="todo-local")
    p.add_argument("--edits", type=int, default=12)
    args = p.parse_args(argv)
    debug_port = free_port()
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-debug-") as d:
        tilt = Tilt(copy_repo(Path(d)), args.context)
        try:
            tilt.up("--only=backend")
            tilt.wait_ready(READY, timeout=900)
            route = tilt.workdir / "backend/app/api/routes/health.py"
            pristine = route.read_text()  # backend_edits appends its route to what the file holds
            results["debug off"] = backend_edits(tilt, args.edits)
            marker_url = f"http://localhost:{tilt.backend_port}/bench-marker"
            route.write_text(pristine)
            _until_gone(marker_url)  # synced before the switch
            _restarted(tilt, ["--only=backend", "--debug=backend", f"--debug-backend-port={debug_port}"])
            route.write_text(pristine)  # drop the warm-up's route: the first /bench-marker route wins
            _until_gone(marker_url)
            results["debug on (--debug=backend)"] = backend_edits(tilt, args.edits)
        except BaseException:
            # What the loop did (without the per-request lines) and whether the pod restarted.
            lines = [line for line in tilt.log.read_text(errors="replace").splitlines()
                     if "request completed" not in line]
            print("\n".join(lines[-80:]), flush=True)
            print(tilt.kubectl("get", "pods", check=False).stdout, flush=True)
            raise
        finally:
            tilt.stop()
            tilt.down()
            tilt.delete_namespace()
    print()
    print("| backend save → live | p50 | p95 | edits |")
    print("|---|---|---|---|")
    for name, values in results.items():
        print(f"| {name} | {pct(values, 50):.2f}s | {pct(values, 95):.2f}s | {len(values)} |")
    return 0
