"""The probe endpoints' paths, in one place: the routes serve them, the request log treats them
differently (a probe repeats every few seconds; only a change of its answer is news)."""

from __future__ import annotations

LIVENESS_PATH = "/health"
READINESS_PATH = "/ready"
PROBE_PATHS = frozenset({LIVENESS_PATH, READINESS_PATH})


def is_success(status: int) -> bool:
    # Kubernetes' HTTP probes count 200-399 as success; so does Tilt's http_get probe.
    return 200 <= status < 400
