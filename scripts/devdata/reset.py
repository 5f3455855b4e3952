"""Reset dev data: the one way to wipe what `tilt down` and rebuilds deliberately keep.

Stops the backend, deletes its data claim (when the chart gives it one) and creates it again from
its own spec (empty: the provisioner gives it a new volume). With --db=postgres the database's claim goes too: PostgreSQL
is stopped, its StatefulSet claim deleted, and the StatefulSet recreates it empty on start (the
entrypoint then initializes a new cluster, with the current POSTGRES_PASSWORD). The backend comes
back to its replica count and migrates the empty database on start.
"""
from __future__ import annotations

import json

from .target import DevDataError, Kube

# Set by the API server and controllers on a live claim; a new claim must not carry them.
SERVER_SET_METADATA = ("uid", "resourceVersion", "creationTimestamp", "managedFields", "finalizers",
                       "selfLink", "generation")
BINDING_ANNOTATIONS = ("pv.kubernetes.io/bind-completed", "pv.kubernetes.io/bound-by-controller",
                       "volume.beta.kubernetes.io/storage-provisioner", "volume.kubernetes.io/storage-provisioner",
                       "volume.kubernetes.io/selected-node")


def fresh_claim(live: dict) -> dict:
    """The same claim as a new object: no identity, binding or status, so it gets a new, empty volume."""
    meta = {k: v for k, v in live["metadata"].items() if k not in SERVER_SET_METADATA}
    meta["annotations"] = {k: v for k, v in (meta.get("annotations") or {}).items()
                           if k not in BINDING_ANNOTATIONS and k != "kubectl.kubernetes.io/last-applied-configuration"}
    spec = {k: v for k, v in live["spec"].items() if k != "volumeName"}
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta, "spec": spec}


def reset(kube: Kube) -> None:
    t = kube.target
    backend = f"deployment/{t.backend}"
    replicas = max(1, kube.replicas(backend))
    found = kube("get", "pvc", t.backend_claim, "-o", "json", "--ignore-not-found")
    # With --db=postgres the chart may give the backend no claim at all (its data is in PostgreSQL).
    if not found.strip() and t.db == "sqlite":
        raise DevDataError(f"{t.namespace}/{t.backend_claim} does not exist, so there is no SQLite dev data to reset "
                           f"(is the loop deployed in this namespace?). Nothing was changed.")
    live = json.loads(found) if found.strip() else None
    # A claim cannot go while a pod mounts it (pvc-protection): stop its users first.
    kube.scale(backend, 0, t.backend_selector, timeout="90s")
    postgres = f"statefulset/{t.postgres}"
    if t.db == "postgres":
        kube.scale(postgres, 0, t.postgres_selector, timeout="90s")
        kube("delete", "pvc", t.postgres_claim, "--ignore-not-found", "--wait", "--timeout=90s")
    if live is not None:
        kube("delete", "pvc", t.backend_claim, "--wait", "--timeout=90s")
        kube("create", "-f", "-", stdin=json.dumps(fresh_claim(live)))
    if t.db == "postgres":
        kube.scale(postgres, 1, t.postgres_selector)  # its controller creates the claim from the template
    # Scale back ourselves: Tilt re-applying the unchanged Deployment would not undo `scale`.
    kube.scale(backend, replicas, t.backend_selector, timeout="300s")
    wiped = ([t.backend_claim] if live is not None else []) + ([f"{t.postgres_claim} (PostgreSQL)"]
                                                               if t.db == "postgres" else [])
    print(f"dev data reset: {t.namespace}/{' and '.join(wiped)} recreated empty", flush=True)
