"""Build Secret `app-secrets` from `.env` and apply it, without a value ever reaching stdout.

Secret values never pass through the chart (they would land in rendered manifests and in Tilt's
stored objects). The chart only gets `secrets.checksum`, so a changed `.env` rolls the pods.
"""
from __future__ import annotations

import hashlib
import json
import secrets as pysecrets
import subprocess
from pathlib import Path

from . import dotenv

SECRET_NAME = "app-secrets"
# Keys copied from .env into the Secret; anything else in .env is left alone.
SECRET_KEYS = ("JWT_SECRET", "DATABASE_URL", "COHERE_API_KEY")
MIN_JWT_SECRET = 32


class SecretError(Exception):
    pass


def ensure_dev_jwt_secret(env_file: Path) -> bool:
    """Dev only: give the loop a stable JWT_SECRET. Generated once and kept in .env, so tokens survive
    restarts of the loop. Returns True when one was generated."""
    if dotenv.load(env_file).get("JWT_SECRET"):
        return False
    dotenv.append(env_file, "JWT_SECRET", pysecrets.token_urlsafe(48),
                  "generated for local development by scripts/tilt/secrets.py; replace freely")
    return True


def secret_data(env_file: Path, required: tuple[str, ...] | list[str]) -> dict[str, str]:
    values = dotenv.load(env_file)
    missing = [k for k in required if not values.get(k)]
    if missing:
        raise SecretError(
            f"{env_file} is missing required key(s): {', '.join(missing)}. "
            f"Add them (see .env.example for what each one means) and run again; nothing was deployed.")
    jwt = values.get("JWT_SECRET", "")
    if jwt and len(jwt) < MIN_JWT_SECRET:
        raise SecretError(f"JWT_SECRET in {env_file} is {len(jwt)} characters; use at least {MIN_JWT_SECRET} "
                          f"(e.g. `python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`).")
    return {k: values[k] for k in SECRET_KEYS if values.get(k)}


def checksum(data: dict[str, str]) -> str:
    """Stable digest of the Secret's content: what the chart puts in the pod template annotation."""
    h = hashlib.sha256()
    for key in sorted(data):
        h.update(f"{key}={data[key]}\n".encode())
    return h.hexdigest()


def manifest(data: dict[str, str], namespace: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {
            "name": SECRET_NAME,
            "namespace": namespace,
            "labels": {"app.kubernetes.io/part-of": "todo-app", "app.kubernetes.io/managed-by": "tilt"},
            "annotations": {"todo-app/checksum": checksum(data)},
        },
        "stringData": data,
    }


def apply(data: dict[str, str], namespace: str, kube_context: str, kubectl: str = "kubectl") -> str:
    """kubectl apply the Secret from stdin. Only kubectl's one-line result is returned; on failure
    kubectl's stderr is returned without the manifest (which holds the values)."""
    body = json.dumps(manifest(data, namespace))
    proc = subprocess.run([kubectl, "--context", kube_context, "apply", "-f", "-"], input=body, capture_output=True, text=True,
                          timeout=60)
    if proc.returncode != 0:
        raise SecretError(f"kubectl apply of Secret {namespace}/{SECRET_NAME} failed: {proc.stderr.strip()}")
    return proc.stdout.strip()
