"""Checks the Tiltfile runs before it deploys anything: is the cluster there, is the Docker engine
there, do the Helm values render. Each failure is one paragraph naming the cause and the fix.

Without them a dead cluster made `tilt ci` wait until its timeout, a stopped Docker engine surfaced as
a Python traceback from the base-image lookup, and a values typo as a bare Helm error.
"""
from __future__ import annotations

import os
import subprocess

NOTHING_DEPLOYED = "nothing was deployed"


class PreflightError(Exception):
    pass


def _last_line(text: str) -> str:
    lines = [l.strip() for l in (text or "").strip().splitlines() if l.strip()]
    # Without trailing punctuation: the line is quoted inside our own sentence.
    return lines[-1].rstrip(".?! ") if lines else "no output"


def _ask(cmd: list[str], timeout_s: int, answered) -> tuple[bool, str]:
    """Run a probe command: (whether it answered, its last line of output or the timeout).
    FileNotFoundError (no such client) is left to the caller, whose fix differs."""
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return False, f"no answer within {timeout_s}s"
    return answered(proc), _last_line(proc.stderr or proc.stdout)


def check_cluster(kube_context: str, kubectl: str = "kubectl", timeout_s: int = 5) -> None:
    """The API server of `kube_context` answers /readyz within a few seconds."""
    cmd = [kubectl, "--context", kube_context, "get", "--raw=/readyz", f"--request-timeout={timeout_s}s"]
    try:
        ok, why = _ask(cmd, timeout_s + 10, lambda p: p.returncode == 0)
    except FileNotFoundError:
        raise PreflightError(f"kubectl ({kubectl}) is not installed or not on PATH, so the cluster cannot be "
                             f"checked. Run `./scripts/dev up` (it installs the pinned kubectl into ./.bin) or "
                             f"put ./.bin on PATH; {NOTHING_DEPLOYED}.") from None
    if not ok:
        server = _server(kube_context, kubectl)
        start = ("start it with `python -m scripts.cluster up` (or `./scripts/dev up`)" if kube_context == "todo-local"
                 else "start that cluster (e.g. `minikube start`)")
        raise PreflightError(
            f"The cluster of kube context '{kube_context}'{f' ({server})' if server else ''} does not answer: "
            f"{why}. It is stopped or the kubeconfig points at the wrong address; {start}, or select a running "
            f"dev cluster with `kubectl config use-context <name>`. Check with `kubectl --context {kube_context} "
            f"get --raw=/readyz`; {NOTHING_DEPLOYED}.")


def _server(kube_context: str, kubectl: str) -> str:
    try:
        proc = subprocess.run([kubectl, "config", "view", "--minify", "--context", kube_context, "-o",
                               "jsonpath={.clusters[0].cluster.server}"], capture_output=True, text=True, timeout=10)
        return proc.stdout.strip() if proc.returncode == 0 else ""
    except (OSError, subprocess.TimeoutExpired):
        return ""


def check_docker(docker: str | None = None, timeout_s: int = 10) -> None:
    """The Docker engine the builds use answers `docker version`."""
    from scripts.toolchain import docker_cli
    docker = docker or docker_cli()[0]
    host = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    try:
        ok, why = _ask([docker, "version", "--format", "{{.Server.Version}}"], timeout_s,
                       lambda p: p.returncode == 0 and p.stdout.strip() != "")
    except FileNotFoundError:
        raise PreflightError(f"The Docker client {docker} is not installed, so no image can be built. Install "
                             f"Debian's docker.io (`./scripts/dev doctor` shows how); {NOTHING_DEPLOYED}.") from None
    if not ok:
        hint = ("unset DOCKER_HOST or point it at a running engine"
                if os.environ.get("DOCKER_HOST") else "start it (`sudo systemctl start docker`, or `dockerd &`)")
        raise PreflightError(
            f"The Docker engine at {host} does not answer ({why}), so no image can be built. {hint[0].upper()}"
            f"{hint[1:]}; `./scripts/dev doctor` checks the engine. {NOTHING_DEPLOYED[0].upper()}"
            f"{NOTHING_DEPLOYED[1:]}.")


def render(chart: str, release: str, namespace: str, values: list[str], sets: list[str], cwd: str,
           helm: str = "helm") -> str:
    """The chart rendered with the loop's values (`helm template`: the schema and the chart's own
    rules), or the reason it does not render. The Tiltfile deploys this very text: one render."""
    # --skip-tests: the chart's `helm test` pod is for `helm test` after an install, never part of
    # the loop (Tilt's own helm() drops it too).
    cmd = [helm, "template", release, chart, "--namespace", namespace, "--skip-tests"]
    for v in values:
        cmd += ["--values", v]
    for s in sets:
        cmd += ["--set", s]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=cwd)
    except FileNotFoundError:
        raise PreflightError(f"helm ({helm}) is not on PATH, so the chart cannot be rendered. Run "
                             f"`./scripts/dev up` (it installs the pinned helm into ./.bin) or put ./.bin on "
                             f"PATH; {NOTHING_DEPLOYED}.") from None
    if proc.returncode != 0:
        problems = "; ".join(l.strip().removeprefix("Error: ").rstrip(".") for l in proc.stderr.strip().splitlines()
                             if l.strip() and not l.startswith("Error: values don't meet") and l.strip() != "todo-app:")
        raise PreflightError(
            f"The Helm values do not render ({', '.join(values) or 'chart defaults'}): {problems}. "
            f"Fix the named key or line in your --values file (every valid key is documented in "
            f"{chart}/values.yaml and checked by {chart}/values.schema.json) and run again; {NOTHING_DEPLOYED}.")
    return proc.stdout
