"""Runtime images in the local cluster's registry, for the suites that install the chart with helm
(no Tilt to build and push them): build (cached), tag uniquely, push. Plus `run`, the command runner
those suites share: a failure is an AssertionError carrying the command's output."""
from __future__ import annotations

import subprocess
import uuid

from scripts.cluster.config import REGISTRY
from tests.support.tilt_session import REPO, tool_env

__all__ = ["REGISTRY", "push_postgres_image", "push_runtime_image", "run"]


def run(*cmd, timeout=600, check=True, input=None):
    p = subprocess.run(cmd, cwd=REPO, env=tool_env(), capture_output=True, text=True, timeout=timeout, input=input)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd[:6])} failed ({p.returncode}):\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    return p


def _tag(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def push_runtime_image(service: str, prefix: str = "e2e") -> str:
    """The service's runtime target, pushed as todo-<service>:<prefix>-<random>; returns the tag."""
    run(str(REPO / ".venv/bin/python"), "-m", "scripts.images", "build", "--target", "runtime",
        "--service", service, timeout=1200)
    tag = _tag(prefix)
    ref = f"{REGISTRY}/todo-{service}:{tag}"
    run("docker", "tag", f"todo-{service}:runtime", ref)
    run("docker", "push", ref, timeout=600)
    return tag


def push_postgres_image(prefix: str = "e2e") -> str:
    """The project's Postgres image (scripts/images/postgres.py), pushed the same way; returns the tag."""
    tag = _tag(prefix)
    ref = f"{REGISTRY}/todo-postgres:{tag}"
    run(str(REPO / ".venv/bin/python"), "-m", "scripts.images.postgres", "--tag", ref, timeout=1200)
    run("docker", "push", ref, timeout=600)
    return tag
