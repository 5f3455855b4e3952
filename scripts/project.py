"""The project's runtime identity, read from its one owner: the chart's values.yaml.

The chart must state these literally (it is installed without this repository's Python too), so
it is where they are written; everything else — the image builds (Dockerfile build args), the
loop's port-forwards, the tests — reads them from here. Inside values.yaml each is written once
too: the other components refer to it by YAML anchor (`*appUid`, `*backendPort`).

    APP_UID / APP_GID   the non-root user every image runs as (the chart's runAsUser/runAsGroup)
    BACKEND_PORT        the port the backend listens on in its container (backend.containerPort)
    FRONTEND_PORT       the same for the frontend
    SECRET_NAME         the Secret the pods read and the loop builds from .env (secrets.existingSecret)
    POSTGRES_USER / POSTGRES_DB   the in-cluster PostgreSQL's role and database (postgresql.*)
    IMAGES              each component's image repository (*.image.repository): Tilt and
                        `scripts.images` build under these names, so the chart's pods run the builds
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
VALUES = REPO / "helm" / "todo-app" / "values.yaml"


@dataclasses.dataclass(frozen=True)
class Facts:
    app_uid: int
    app_gid: int
    backend_port: int
    frontend_port: int
    secret_name: str
    postgres_user: str
    postgres_db: str
    images: dict[str, str]

    def build_args(self, service: str) -> dict[str, str]:
        """What a Dockerfile needs of them (each declares ARG APP_UID/APP_GID, the app ones PORT)."""
        args = {"APP_UID": str(self.app_uid), "APP_GID": str(self.app_gid)}
        port = {"backend": self.backend_port, "frontend": self.frontend_port}.get(service)
        return args | ({"PORT": str(port)} if port else {})


def load(values: Path = VALUES) -> Facts:
    v = yaml.safe_load(values.read_text())
    sc = v["backend"]["podSecurityContext"]
    return Facts(app_uid=int(sc["runAsUser"]), app_gid=int(sc["runAsGroup"]),
                 backend_port=int(v["backend"]["containerPort"]), frontend_port=int(v["frontend"]["containerPort"]),
                 secret_name=v["secrets"]["existingSecret"], postgres_user=v["postgresql"]["username"],
                 postgres_db=v["postgresql"]["database"],
                 images={c: v[c]["image"]["repository"] for c in ("backend", "frontend", "postgresql")})


FACTS = load()
APP_UID, APP_GID = FACTS.app_uid, FACTS.app_gid
BACKEND_PORT, FRONTEND_PORT = FACTS.backend_port, FACTS.frontend_port
SECRET_NAME, POSTGRES_USER, POSTGRES_DB = FACTS.secret_name, FACTS.postgres_user, FACTS.postgres_db
IMAGES = FACTS.images
