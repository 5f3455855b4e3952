"""Before the chart is applied (`secret-apply`, --db=postgres): let an older release's PostgreSQL
StatefulSet take the chart's new governing Service.

A StatefulSet's spec.serviceName is immutable. Charts before the headless Service named the
ordinary ClusterIP Service there, so applying the new chart over such a release is refused. The
fix is the one Kubernetes documents for immutable StatefulSet fields: delete only the StatefulSet
object with --cascade=orphan (its pod keeps running, its claim and data stay), and the apply that
follows creates the new StatefulSet, which adopts the pod by its labels and rolls it onto the same
claim. The chart README gives the same step for plain `helm upgrade`.
"""
from __future__ import annotations

import json
import subprocess


class UpgradeError(Exception):
    pass


def needs_recreate(statefulset: dict, governing_service: dict | None) -> bool:
    """True when the live StatefulSet is governed by a Service that is not headless (the old chart)."""
    if not statefulset or governing_service is None:
        return False
    return governing_service.get("spec", {}).get("clusterIP") != "None"


def migrate(namespace: str, release: str, kube_context: str, run=subprocess.run) -> str:
    """Orphan-delete `<release>-postgresql` if an older chart created it; returns what was done."""
    name = f"{release}-postgresql"
    kubectl = ["kubectl", "--context", kube_context, "-n", namespace]

    def get(kind: str, obj: str) -> dict | None:
        cmd = [*kubectl, "get", kind, obj, "-o", "json", "--ignore-not-found"]
        proc = run(cmd, capture_output=True, text=True, timeout=60)
        if proc.returncode != 0:
            raise UpgradeError(f"`{' '.join(cmd)}` failed: {(proc.stderr or '').strip()}. Nothing was changed; "
                               f"check the cluster and run again.")
        return json.loads(proc.stdout) if proc.stdout.strip() else None

    statefulset = get("statefulset", name)
    if not statefulset:
        return f"{namespace}/{name}: no StatefulSet yet"
    service_name = statefulset["spec"].get("serviceName", "")
    if not needs_recreate(statefulset, get("service", service_name) if service_name else None):
        return f"{namespace}/{name}: governed by a headless Service, nothing to do"
    cmd = [*kubectl, "delete", "statefulset", name, "--cascade=orphan", "--wait=true", "--timeout=60s"]
    proc = run(cmd, capture_output=True, text=True, timeout=90)
    if proc.returncode != 0:
        raise UpgradeError(f"`{' '.join(cmd)}` failed: {(proc.stderr or '').strip()}. The StatefulSet is "
                           f"unchanged; run `tilt up` again, or the chart README's upgrade step by hand.")
    return (f"{namespace}/{name}: created by an older chart (serviceName {service_name!r}, not headless); "
            f"deleted with --cascade=orphan so the chart can recreate it - pod, claim and data kept")
