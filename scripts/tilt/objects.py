"""Group the chart's supporting objects into one Tilt resource, `app-config`.

Without this Tilt puts them (ServiceAccount, ConfigMap, the dev-data claim, …) in "uncategorized",
which cannot be ordered after the Secret, and whose manual trigger force-recreates everything in it.
Workloads and the Services that select them stay with their own resources.
"""
from __future__ import annotations

import yaml

# Kinds Tilt attaches to a workload resource by itself.
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod", "ReplicaSet", "Service"}


def config_selectors(rendered: str) -> list[str]:
    """Tilt object selectors (`name:kind`) for every rendered object that is not a workload/Service."""
    out = []
    for doc in yaml.safe_load_all(rendered):
        if not doc or doc.get("kind") in WORKLOAD_KINDS:
            continue
        out.append(f"{doc['metadata']['name']}:{doc['kind'].lower()}")
    return out
