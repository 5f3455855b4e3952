"""`./scripts/dev down`: the loop's `tilt down`, keeping dev data.

The namespace and Secret are made outside Tilt (app-secrets) and the data claims carry Tilt's and
Helm's keep policies, so what `tilt down` removes is the workloads; the next `up` finds the data.
Arguments after `--` go to the Tiltfile, as with `up` (`./scripts/dev down -- --namespace=x`).
"""
from __future__ import annotations

import subprocess

from . import status_cmd
from .steps import banner
from .suites import REPO
from .up_cmd import tool_env


def run(tilt_args: list[str], context: str | None = None, port: int | None = None) -> int:
    args = tilt_args[1:] if tilt_args[:1] == ["--"] else tilt_args
    cmd = ["tilt", "down", *(["--context", context] if context else []), *(["--"] + args if args else [])]
    banner(" ".join(cmd) + "   (dev data is kept: the namespace and its claims stay)")
    try:
        rc = subprocess.call(cmd, cwd=REPO, env=tool_env())
    except FileNotFoundError:
        print("tilt is not installed here: `./scripts/dev up` (or `./scripts/dev doctor`) installs it")
        return 1
    port = port or status_cmd.tilt_port()
    if rc == 0 and status_cmd.tilt_resources(port) is not None:
        print(f"note: `tilt up` is still running (dashboard http://localhost:{port}); stop it with Ctrl-C, "
              f"or its next file change deploys again")
    return rc
