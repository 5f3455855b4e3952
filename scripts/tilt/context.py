"""Refuse to deploy the dev loop to anything that is not a local dev cluster.

Tilt's own guard knows minikube, kind, docker-desktop, k3d… but not our `todo-local` cluster, and it
says little about how to opt in. This check runs first, so a wrong context deploys nothing.
"""
from __future__ import annotations

import fnmatch

DEV_CONTEXTS = ("minikube", "kind-*", "docker-desktop", "k3d-*", "todo-local")


class ContextRefused(Exception):
    pass


def is_dev_context(name: str, extra_allowed: list[str] | tuple[str, ...] = ()) -> bool:
    patterns = [*DEV_CONTEXTS, *extra_allowed]
    return any(fnmatch.fnmatchcase(name, p) for p in patterns if p)


def check(name: str, extra_allowed: list[str] | tuple[str, ...] = ()) -> None:
    """Raise ContextRefused with a one-paragraph explanation when `name` is not a dev cluster."""
    if not name:
        raise ContextRefused(
            "No Kubernetes context is selected, so there is no cluster to deploy to. "
            "Run `./scripts/dev up` (it picks minikube, kind or the local todo-local cluster), "
            "or select one with `kubectl config use-context <name>`.")
    if is_dev_context(name, extra_allowed):
        return
    raise ContextRefused(
        f"Refusing to deploy to kube context '{name}': it is not a local dev cluster "
        f"(allowed: {', '.join(DEV_CONTEXTS)}), and the dev loop would overwrite whatever runs there. "
        f"Switch with `kubectl config use-context <dev context>`, or, if '{name}' really is a "
        f"disposable dev cluster, opt in with `tilt up -- --allow-context={name}` "
        f"(or TODO_APP_ALLOW_CONTEXT={name}); nothing was deployed.")
