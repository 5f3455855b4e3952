"""Build the app's Secret (the chart's secrets.existingSecret) from `.env` and apply it, without a
value ever reaching stdout.

Secret values never pass through the chart (they would land in rendered manifests and in Tilt's
stored objects). The chart only gets `secrets.checksum`, so a changed `.env` rolls the pods.
"""
from __future__ import annotations

import hashlib
import json
import secrets as pysecrets
import subprocess
from pathlib import Path
from urllib.parse import quote

from scripts import project

from . import dotenv

SECRET_NAME = project.SECRET_NAME
# Keys copied from .env into the Secret; anything else in .env is left alone.
SECRET_KEYS = ("JWT_SECRET", "DATABASE_URL", "COHERE_API_KEY", "POSTGRES_PASSWORD")
# The chart's in-cluster PostgreSQL (postgresql.database/username; Service <release>-postgresql).
POSTGRES_USER, POSTGRES_DB = project.POSTGRES_USER, project.POSTGRES_DB
MIN_JWT_SECRET = 32


class SecretError(Exception):
    pass


def ensure_dev_secrets(env_file: Path, mode: str, db: str) -> None:
    """The loop's own step before the plan: generate, once, what a dev loop needs in .env (the JWT
    secret; with --db=postgres the database password). The plan only ever reads .env."""
    if mode == "dev":
        ensure_dev_jwt_secret(env_file)
    if db == "postgres":
        ensure_dev_postgres_password(env_file)


def ensure_dev_jwt_secret(env_file: Path) -> bool:
    """Dev only: give the loop a stable JWT_SECRET. Generated once and kept in .env, so tokens survive
    restarts of the loop. Returns True when one was generated."""
    if dotenv.load(env_file).get("JWT_SECRET"):
        return False
    dotenv.add_generated(env_file, "JWT_SECRET", pysecrets.token_urlsafe(48),
                  "generated for local development by scripts/tilt/secrets.py; replace freely")
    return True


def ensure_dev_postgres_password(env_file: Path) -> bool:
    """--db=postgres: a stable POSTGRES_PASSWORD kept in .env. It must stay the same across runs: the
    database on the claim keeps the password it was initialized with. Returns True when generated."""
    if dotenv.load(env_file).get("POSTGRES_PASSWORD"):
        return False
    dotenv.add_generated(env_file, "POSTGRES_PASSWORD", pysecrets.token_urlsafe(24),
                  "generated for the in-cluster dev database (--db=postgres) by scripts/tilt/secrets.py; "
                  "changing it later needs `Reset dev data` (the database keeps its first password)")
    return True


def postgres_url(password: str, release: str) -> str:
    """DATABASE_URL of the chart's in-cluster PostgreSQL, as the backend sees it (Service DNS name)."""
    return f"postgresql://{POSTGRES_USER}:{quote(password, safe='')}@{release}-postgresql:5432/{POSTGRES_DB}"


def secret_data(env_file: Path, required: tuple[str, ...] | list[str], db: str = "sqlite",
                release: str = "todo-app") -> dict[str, str]:
    """The Secret's keys from .env. With db="postgres" DATABASE_URL is derived from POSTGRES_PASSWORD
    (it points at the in-cluster database, whatever .env says for an external one)."""
    values = dotenv.load(env_file)
    if db == "postgres":
        if not values.get("POSTGRES_PASSWORD"):
            raise SecretError(f"{env_file} has no POSTGRES_PASSWORD, which --db=postgres needs. Add "
                              f"POSTGRES_PASSWORD=<a long random string> (in dev mode it is generated) and run "
                              f"again; nothing was deployed.")
        values["DATABASE_URL"] = postgres_url(values["POSTGRES_PASSWORD"], release)
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


def kubectl_apply(obj: dict, kube_context: str, kubectl: str = "kubectl") -> str:
    """kubectl apply one object from stdin. Only kubectl's one-line result is returned; on failure
    kubectl's stderr, never the manifest (a Secret's holds the values)."""
    proc = subprocess.run([kubectl, "--context", kube_context, "apply", "-f", "-"], input=json.dumps(obj),
                          capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        meta = obj["metadata"]
        raise SecretError(f"kubectl apply of {obj['kind']} {meta.get('namespace', '')}/{meta['name']} failed: "
                          f"{proc.stderr.strip()}")
    return proc.stdout.strip()


def apply(data: dict[str, str], namespace: str, kube_context: str) -> str:
    return kubectl_apply(manifest(data, namespace), kube_context)
