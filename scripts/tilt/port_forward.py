"""Recreate a resource's Tilt port-forward when it has wedged.

Tilt's port-forward can wedge (tilt-dev/tilt#4801, still open upstream as #6653/#6790): the local port
keeps accepting connections, but nothing reaches the pod, so every request hangs until it times out
while the dashboard shows the resource green. It happens most after the pod refused the forward's
first connections (a container still starting, a busy machine). Tilt's own cure is deleting the
PortForward object: the resource's KubernetesDiscovery controller creates a fresh one at once. This
module does that for one resource, through the `tilt` CLI (TILT_PORT, which Tilt exports to local
commands, selects the session). It does not patch Tilt.
"""
from __future__ import annotations

import json
import subprocess

# Tilt annotates each PortForward with the resource (manifest) it forwards for.
RESOURCE_ANNOTATION = "tilt.dev/resource"


def names_for(port_forwards: dict, resource: str) -> list[str]:
    """The PortForward objects (from `tilt get portforwards -o json`) that belong to `resource`."""
    return sorted(item["metadata"]["name"] for item in port_forwards.get("items", [])
                  if (item["metadata"].get("annotations") or {}).get(RESOURCE_ANNOTATION) == resource)


def recreate(resource: str, timeout: float = 20) -> list[str]:
    """Delete `resource`'s PortForward objects so Tilt makes new ones; returns the names deleted
    (empty when Tilt has none for it or cannot be asked: the caller only logs, it never fails on this)."""
    try:
        got = subprocess.run(["tilt", "get", "portforwards", "-o", "json"], capture_output=True, text=True,
                             timeout=timeout)
        if got.returncode != 0:
            return []
        names = names_for(json.loads(got.stdout), resource)
        if names:
            subprocess.run(["tilt", "delete", "portforward", *names], capture_output=True, text=True,
                           timeout=timeout, check=True)
        return names
    except (OSError, subprocess.SubprocessError, ValueError):
        return []
