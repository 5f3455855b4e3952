"""Kubeconfigs: one per component in the state dir, plus the `todo-local` context in the user's own.

Component kubeconfigs are written as JSON (valid YAML, so no YAML library is needed). The user's
kubeconfig is edited only through `kubectl config`, which merges: other clusters, users and contexts
stay as they are, and current-context is set only when there is none.
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from . import config

SERVER = f"https://127.0.0.1:{config.API_PORT}"

# component -> client certificate name in pki/
COMPONENTS = {
    "admin": "admin",
    "controller-manager": "controller-manager",
    "scheduler": "scheduler",
    "kubelet": "kubelet",
    "kube-proxy": "kube-proxy",
}


def path_for(state: config.State, component: str) -> Path:
    return state.kubeconfigs / f"{component}.conf"


def write_all(state: config.State) -> None:
    state.kubeconfigs.mkdir(parents=True, exist_ok=True)
    state.kubeconfigs.chmod(0o700)
    for component, cert in COMPONENTS.items():
        doc = {
            "apiVersion": "v1", "kind": "Config",
            "clusters": [{"name": config.CONTEXT, "cluster": {
                "server": SERVER, "certificate-authority": str(state.pki / "ca.crt")}}],
            "users": [{"name": component, "user": {
                "client-certificate": str(state.pki / f"{cert}.crt"),
                "client-key": str(state.pki / f"{cert}.key")}}],
            "contexts": [{"name": config.CONTEXT, "context": {"cluster": config.CONTEXT, "user": component}}],
            "current-context": config.CONTEXT,
        }
        p = path_for(state, component)
        p.write_text(json.dumps(doc, indent=2) + "\n")
        p.chmod(0o600)


def user_kubeconfig() -> Path:
    """$KUBECONFIG's first file, else ~/.kube/config (kubectl writes new entries to that same file)."""
    env = os.environ.get("KUBECONFIG", "")
    first = next((p for p in env.split(os.pathsep) if p), "")
    return Path(first).expanduser() if first else Path.home() / ".kube" / "config"


def merge_into_user(state: config.State) -> Path:
    target = user_kubeconfig()
    target.parent.mkdir(parents=True, exist_ok=True)
    kubectl = str(config.kube_bin("kubectl"))
    pki = state.pki
    base = [kubectl, "config", "--kubeconfig", str(target)]
    # Embedded certificates: the user's kubeconfig keeps working from any directory.
    cmds = [
        ["set-cluster", config.CONTEXT, f"--server={SERVER}",
         f"--certificate-authority={pki / 'ca.crt'}", "--embed-certs=true"],
        ["set-credentials", config.CONTEXT, f"--client-certificate={pki / 'admin.crt'}",
         f"--client-key={pki / 'admin.key'}", "--embed-certs=true"],
        ["set-context", config.CONTEXT, f"--cluster={config.CONTEXT}", f"--user={config.CONTEXT}"],
    ]
    for c in cmds:
        subprocess.run(base + c, check=True, capture_output=True, text=True)
    current = subprocess.run(base + ["current-context"], capture_output=True, text=True)
    if current.returncode != 0 or not current.stdout.strip():
        subprocess.run(base + ["use-context", config.CONTEXT], check=True, capture_output=True, text=True)
    target.chmod(0o600)
    return target
