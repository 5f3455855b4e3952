"""The dev namespace: Pod Security `restricted` enforced, and kept by `tilt down`.

Kept because deleting a namespace deletes everything in it, including the dev-data volume that
`tilt down` is meant to leave alone; `./scripts/dev down --purge` is the way to remove it.
"""
from __future__ import annotations

PSS_LEVEL = "restricted"
PSS_VERSION = "latest"


def manifest(name: str) -> dict:
    labels = {"app.kubernetes.io/part-of": "todo-app"}
    for mode in ("enforce", "audit", "warn"):
        labels[f"pod-security.kubernetes.io/{mode}"] = PSS_LEVEL
        labels[f"pod-security.kubernetes.io/{mode}-version"] = PSS_VERSION
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": labels, "annotations": {"tilt.dev/down-policy": "keep"}},
    }
