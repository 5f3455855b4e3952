"""The dashboard's "Reset dev data" button: the one way to wipe the backend's kept data volume.

`tilt down` deliberately keeps the claim; this stops the backend, deletes the claim, creates it
again from its own spec (empty, the provisioner gives it a new volume), and brings the backend back to
its replica count; the app migrates the empty database on start.
"""
from __future__ import annotations

import json
import subprocess

# Set by the API server and controllers on a live claim; a new claim must not carry them.
SERVER_SET_METADATA = ("uid", "resourceVersion", "creationTimestamp", "managedFields", "finalizers",
                       "selfLink", "generation")
BINDING_ANNOTATIONS = ("pv.kubernetes.io/bind-completed", "pv.kubernetes.io/bound-by-controller",
                       "volume.beta.kubernetes.io/storage-provisioner", "volume.kubernetes.io/storage-provisioner",
                       "volume.kubernetes.io/selected-node")


class ResetError(Exception):
    pass


def fresh_claim(live: dict) -> dict:
    """The same claim as a new object: no identity, binding or status, so it gets a new, empty volume."""
    meta = {k: v for k, v in live["metadata"].items() if k not in SERVER_SET_METADATA}
    meta["annotations"] = {k: v for k, v in (meta.get("annotations") or {}).items()
                           if k not in BINDING_ANNOTATIONS and k != "kubectl.kubernetes.io/last-applied-configuration"}
    spec = {k: v for k, v in live["spec"].items() if k != "volumeName"}
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta, "spec": spec}


def reset(namespace: str, release: str, kube_context: str, run=subprocess.run) -> None:
    backend, claim = f"{release}-backend", f"{release}-backend-data"
    selector = f"app.kubernetes.io/instance={release},app.kubernetes.io/component=backend"
    kubectl = ["kubectl", "--context", kube_context, "-n", namespace]

    def step(*args: str, stdin: str | None = None) -> str:
        cmd = [*kubectl, *args]
        print("$", " ".join(cmd), flush=True)
        proc = run(cmd, input=stdin, capture_output=True, text=True)
        if proc.returncode != 0:
            raise ResetError(f"`{' '.join(cmd)}` failed: {(proc.stderr or '').strip()}. The data may be "
                             f"half-reset: press the button again, or `tilt down && tilt up`.")
        return proc.stdout

    replicas = max(1, int(step("get", f"deployment/{backend}", "-o", "jsonpath={.spec.replicas}") or 1))
    found = step("get", "pvc", claim, "-o", "json", "--ignore-not-found")
    if not found.strip():
        # The chart makes the claim only for SQLite: with --db=postgres the data is in PostgreSQL.
        raise ResetError(f"{namespace}/{claim} does not exist: the backend keeps no data in /data when it uses "
                         f"a shared database (--db=postgres keeps it on the claim data-{release}-postgresql-0). "
                         f"Nothing was changed.")
    live = json.loads(found)
    # The claim cannot go while a pod mounts it (pvc-protection), so stop the backend first.
    step("scale", f"deployment/{backend}", "--replicas=0")
    step("wait", "--for=delete", "pod", "-l", selector, "--timeout=90s")
    step("delete", "pvc", claim, "--wait", "--timeout=90s")
    step("create", "-f", "-", stdin=json.dumps(fresh_claim(live)))
    # Scale back ourselves: Tilt re-applying the unchanged Deployment would not undo `scale`.
    step("scale", f"deployment/{backend}", f"--replicas={replicas}")
    print(f"dev data reset: {namespace}/{claim} recreated empty", flush=True)
