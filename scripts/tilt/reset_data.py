"""The dashboard's "Reset dev data" button: the one way to wipe the backend's kept data volume.

`tilt down` deliberately keeps the claim; this stops the backend, deletes the claim, and asks Tilt to
apply both again, so the backend comes back with an empty database (migrated on start).
"""
from __future__ import annotations

import subprocess


class ResetError(Exception):
    pass


def commands(namespace: str, release: str, kube_context: str) -> list[list[str]]:
    backend = f"{release}-backend"
    selector = f"app.kubernetes.io/instance={release},app.kubernetes.io/component=backend"
    return [
        # The claim cannot go while a pod mounts it (pvc-protection), so stop the backend first.
        ["kubectl", "--context", kube_context, "-n", namespace, "scale", f"deployment/{backend}", "--replicas=0"],
        ["kubectl", "--context", kube_context, "-n", namespace, "wait", "--for=delete", "pod", "-l", selector, "--timeout=90s"],
        ["kubectl", "--context", kube_context, "-n", namespace, "delete", "pvc", f"{backend}-data", "--ignore-not-found", "--wait",
         "--timeout=90s"],
        # Re-apply: the claim lives in Tilt's "uncategorized" resource, the Deployment in "backend".
        ["tilt", "trigger", "uncategorized"],
        ["tilt", "trigger", "backend"],
    ]


def reset(namespace: str, release: str, kube_context: str, run=subprocess.run) -> None:
    for cmd in commands(namespace, release, kube_context):
        print("$", " ".join(cmd), flush=True)
        proc = run(cmd)
        if proc.returncode != 0:
            raise ResetError(f"`{' '.join(cmd)}` failed (exit {proc.returncode}); the data volume may be "
                             f"half-reset: run the button again, or `tilt down && tilt up`.")
    print(f"dev data reset: {namespace}/{release}-backend-data recreated empty", flush=True)
