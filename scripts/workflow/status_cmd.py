"""`./scripts/dev status`: what the loop and the cluster run, with the URLs to open.

Read-only and quick: one `tilt get` for the loop, one kubectl call per question about the cluster.
Exit 0 when it could report (a stopped loop is a state, not an error).
"""
from __future__ import annotations

import json
import os
import subprocess

from scripts.tilt import plan

from .up_cmd import tool_env

TILT_DEFAULT_PORT = 10350  # Tilt's own default for `tilt up --port` (TILT_PORT overrides it)


def tilt_port() -> int:
    return int(os.environ.get("TILT_PORT") or TILT_DEFAULT_PORT)


def tilt_resources(port: int, timeout: float = 10) -> list[dict] | None:
    """The UIResources of the Tilt session on `port`, or None when no Tilt answers there. Through
    `tilt get` (Tilt's HTTP proxy serves only the buttons to the web UI)."""
    try:
        p = subprocess.run(["tilt", "get", "uiresources", "-o", "json", "--port", str(port)], capture_output=True,
                           text=True, timeout=timeout, env=tool_env())
        return json.loads(p.stdout).get("items", []) if p.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return None


def tilt_lines(port: int) -> list[str]:
    items = tilt_resources(port)
    if items is None:
        return [f"tilt: not running on port {port} (start the loop with `./scripts/dev up`)"]
    lines = [f"tilt: running — dashboard http://localhost:{port}"]
    for res in sorted(items, key=lambda r: r["metadata"]["name"]):
        name, st = res["metadata"]["name"], res.get("status", {})
        if name == "(Tiltfile)":
            continue
        urls = "  ".join(f"{link.get('name') or 'port-forward'}: {link['url']}" for link in st.get("endpointLinks", []))
        lines.append(f"  {name:<22} runtime {st.get('runtimeStatus', '?'):<14} update {st.get('updateStatus', '?'):<12}"
                     f" {urls}".rstrip())
    return lines


def _kubectl(*args: str, timeout: float = 10) -> tuple[int, str]:
    try:
        p = subprocess.run(["kubectl", *args], capture_output=True, text=True, timeout=timeout, env=tool_env())
    except (OSError, subprocess.TimeoutExpired) as err:
        return 1, str(err)
    return p.returncode, (p.stdout if p.returncode == 0 else p.stderr).strip()


def cluster_lines(context: str | None, namespace: str) -> list[str]:
    if context is None:
        rc, out = _kubectl("config", "current-context")
        context = out if rc == 0 and out else ""
    if not context:
        return ["cluster: no current kube context (`./scripts/dev up` picks or starts one)"]
    rc, _ = _kubectl("--context", context, "get", "--raw", "/readyz", "--request-timeout=5s")
    if rc != 0:
        hint = " (`./scripts/dev cluster up` starts it)" if context == "todo-local" else ""
        return [f"cluster: context {context} does not answer{hint}"]
    lines = [f"cluster: context {context} answers"]
    if context == "todo-local":
        from scripts.cluster import config
        from scripts.cluster.status import component_lines
        ok, parts = component_lines(config.State.default())
        lines.append(f"  todo-local host processes: {'all healthy' if ok else 'NOT all healthy'} "
                     f"({len(parts)}; details: `./scripts/dev cluster status`)")
    rc, out = _kubectl("--context", context, "-n", namespace, "get", "deployments,statefulsets,pvc",
                       "--no-headers", "-o", "custom-columns=KIND:.kind,NAME:.metadata.name,"
                       "READY:.status.readyReplicas,WANT:.spec.replicas,PHASE:.status.phase")
    if rc != 0 or not out:
        lines.append(f"  namespace {namespace}: nothing deployed" + (f" ({out})" if rc != 0 else ""))
        return lines
    lines.append(f"  namespace {namespace}:")
    for row in out.splitlines():
        kind, name, ready, want, phase = (row.split() + ["<none>"] * 5)[:5]
        state = f"claim {phase} (dev data, kept by `down`)" if kind == "PersistentVolumeClaim" else \
            f"{0 if ready == '<none>' else ready}/{want} ready"
        lines.append(f"    {kind.lower():<22} {name:<32} {state}")
    return lines


def run(port: int | None = None, context: str | None = None, namespace: str | None = None) -> int:
    for line in tilt_lines(port or tilt_port()):
        print(line)
    for line in cluster_lines(context, namespace or plan.Flags().namespace):
        print(line)
    return 0
