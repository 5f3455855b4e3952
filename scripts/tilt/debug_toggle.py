"""The dashboard's debugger buttons: `python -m scripts.tilt debug-toggle backend`.

Turns the debugger for one service on or off in the running loop without editing anything.
`tilt args` replaces every Tiltfile flag at once, so this reads the running session's flags from
the Tilt API (the Tiltfile object's spec.args), changes only `--debug`, and sets them back with
the rest (`--db`, `--only`, ports, …) untouched. Tilt then re-runs the Tiltfile: the pod restarts
with the debug start command and the debugger's port-forward (or without them).
"""
from __future__ import annotations

import json
import subprocess

from .plan import SERVICES, PlanError


def current_debug(args: list[str]) -> list[str]:
    out = []
    for i, arg in enumerate(args):
        value = None
        if arg.startswith("--debug="):
            value = arg.split("=", 1)[1]
        elif arg == "--debug" and i + 1 < len(args):
            value = args[i + 1]
        if value is not None:
            out += [name for name in value.split(",") if name and name not in out]
    return out


def toggled(args: list[str], service: str) -> list[str]:
    """`args` with `service` added to or removed from --debug; every other flag kept in order."""
    if service not in SERVICES:
        raise PlanError(f"debug-toggle {service}: unknown service; use one of {', '.join(SERVICES)}")
    debug = current_debug(args)
    debug = [s for s in debug if s != service] if service in debug else debug + [service]
    kept, skip = [], False
    for i, arg in enumerate(args):
        if skip:
            skip = False
            continue
        if arg.startswith("--debug="):
            continue
        if arg == "--debug":
            skip = True
            continue
        kept.append(arg)
    return kept + ([f"--debug={','.join(debug)}"] if debug else [])


def running_args() -> list[str]:
    # TILT_PORT is set by Tilt for the commands it runs, so this talks to the session that ran it.
    # "(Tiltfile)" is the main Tiltfile object's name in the Tilt API.
    tf = json.loads(subprocess.run(["tilt", "get", "tiltfile", "(Tiltfile)", "-o", "json"], check=True,
                                   capture_output=True, text=True, timeout=30).stdout)
    return list(tf.get("spec", {}).get("args") or [])


def toggle(service: str) -> list[str]:
    new = toggled(running_args(), service)
    state = "on" if service in current_debug(new) else "off"
    print(f"debugger for {service}: {state}; tilt args -- {' '.join(new)}", flush=True)
    subprocess.run(["tilt", "args", "--", *new], check=True, timeout=60)
    return new
