"""`status` (what runs, what is left over), `logs`, and `env` (paths and pids as JSON)."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from . import components, config, procs, teardown
from .ui import say


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def component_lines(state: config.State) -> tuple[bool, list[str]]:
    """(all healthy, one line per host process)."""
    all_ok, lines = True, []
    for name in config.COMPONENT_ORDER:
        pid = procs.pid_of(state, name)
        if not pid:
            lines.append(f"  {name:<24} not running")
            all_ok = False
            continue
        ok = components.healthy(name, state)
        all_ok &= ok
        lines.append(f"  {name:<24} {'healthy' if ok else 'UNHEALTHY'}  pid {pid}  rss {rss_kib(pid) // 1024} MiB")
    return all_ok, lines


def status(state: config.State) -> int:
    """Exit 0 when every component runs and is healthy, 1 otherwise."""
    say(f"todo-local cluster (state {state.root})")
    all_ok, lines = component_lines(state)
    for line in lines:
        say(line)
    if all_ok:
        kubectl = [str(config.kube_bin("kubectl")), "--kubeconfig", str(state.admin_kubeconfig)]
        r = subprocess.run(kubectl + ["get", "nodes,pods", "-A", "-o", "wide"], capture_output=True, text=True,
                           timeout=15)
        say(r.stdout.rstrip() or r.stderr.rstrip())
    else:
        left = teardown.verify_clean(state)
        if left:
            say("  left on the host: " + "; ".join(left) + "  (`down` removes them; `up` does too)")
    return 0 if all_ok else 1


def logs(state: config.State, component: str | None, lines: int, follow: bool) -> int:
    if not component:
        for p in sorted(state.logs.glob("*.log")):
            say(f"  {p.stem:<24} {p}  ({p.stat().st_size // 1024} KiB)")
        say("show one: python3 -m scripts.cluster logs <component> [-n LINES] [-f]")
        return 0
    path = state.log(component)
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in state.logs.glob("*.log"))) or "none yet"
        say(f"error: no log for {component!r}; components with logs: {known}")
        return 2
    cmd = ["tail", "-n", str(lines)] + (["-F"] if follow else []) + [str(path)]
    return subprocess.call(cmd)


def describe(state: config.State) -> dict:
    return {"state": str(state.root), "kubeconfig": str(state.admin_kubeconfig), "context": config.CONTEXT,
            "registry": config.REGISTRY, "node": config.NODE_NAME,
            "pids": {n: procs.pid_of(state, n) for n in config.COMPONENT_ORDER}}


def env_json(state: config.State) -> str:
    return json.dumps(describe(state), indent=2)

