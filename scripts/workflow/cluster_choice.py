"""Which cluster `./scripts/dev up` deploys to, and why — decided in this order:

1. the current kube context, if it is a dev cluster (minikube, kind-*, docker-desktop, k3d-*, todo-local)
   and answers;
2. a running minikube;
3. `minikube start`, if minikube is installed;
4. the project's local cluster `todo-local` (Linux as root only: it runs Kubernetes as host processes);
   anywhere else, how to install minikube.
"""
from __future__ import annotations

import dataclasses
import os
import platform
import shutil
import subprocess

from scripts.tilt.context import is_dev_context


@dataclasses.dataclass(frozen=True)
class Choice:
    context: str | None       # kube context to use once `action` is done
    action: str               # "use" | "minikube-start" | "local-up" | "none"
    reason: str


def _out(cmd: list[str], timeout: float = 10) -> tuple[int, str]:
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return 1, ""


def current_context() -> str:
    rc, out = _out(["kubectl", "config", "current-context"])
    return out if rc == 0 else ""


def reachable(context: str) -> bool:
    rc, _ = _out(["kubectl", "--context", context, "get", "--raw", "/readyz", "--request-timeout=5s"])
    return rc == 0


def minikube_running() -> bool:
    rc, out = _out(["minikube", "status", "--format", "{{.APIServer}}"], timeout=20)
    return rc == 0 and out == "Running"


def choose(current: str, is_reachable, minikube_installed: bool, minikube_is_running,
           is_linux_root: bool) -> Choice:
    if current and is_dev_context(current) and is_reachable(current):
        return Choice(current, "use", f"the current context '{current}' is a dev cluster and answers")
    if minikube_installed and minikube_is_running():
        return Choice("minikube", "use", "minikube is running")
    if minikube_installed:
        return Choice("minikube", "minikube-start", "minikube is installed but not running: starting it")
    if is_linux_root:
        why = ("no dev cluster answers and minikube is not installed: starting the project's local "
               "cluster (Kubernetes as host processes, see `./scripts/dev cluster status`)")
        return Choice("todo-local", "local-up", why)
    return Choice(None, "none",
                  "No dev cluster found. Install minikube (https://minikube.sigs.k8s.io/docs/start/) and run "
                  "`./scripts/dev up` again; kind, k3d and Docker Desktop's cluster also work when they are "
                  "the current kube context.")


def detect() -> Choice:
    return choose(
        current_context(),
        reachable,
        shutil.which("minikube") is not None,
        minikube_running,
        platform.system() == "Linux" and os.geteuid() == 0,
    )
