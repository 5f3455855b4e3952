"""Probes and version.

/health (liveness) never touches the database: a DB outage must not make Kubernetes restart
healthy pods. /ready (readiness) answers within READY_TIMEOUT_SECONDS (<= 2 s) whatever the
database does, so a dead DB yields a quick 503 instead of a probe timeout.
"""

from __future__ import annotations

import logging

from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text

from app.api.deps import SettingsDep
from app.core.probes import LIVENESS_PATH, READINESS_PATH
from app.core.threads import run_with_deadline
from app.db.revision import SchemaState, compare, db_revisions

router = APIRouter(tags=["probes"])
logger = logging.getLogger("app.ready")


@router.get(LIVENESS_PATH)
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/version")
async def version(settings: SettingsDep) -> dict[str, str]:
    return {"version": settings.app_version, "build_revision": settings.build_revision}


def check_schema(engine: Engine, script: ScriptDirectory) -> SchemaState:
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Don't queue behind a migration's table locks; the probe has a deadline to keep.
            connection.execute(text("SET LOCAL lock_timeout = '1500ms'"))
            connection.execute(text("SET LOCAL statement_timeout = '1500ms'"))
        connection.execute(text("SELECT 1"))
        return compare(db_revisions(connection), script)


def _not_ready(reason: str) -> JSONResponse:
    return JSONResponse(status_code=503, content={"status": "not ready", "reason": reason})


@router.get(READINESS_PATH)
async def ready(request: Request, settings: SettingsDep) -> JSONResponse:
    state = request.app.state
    try:
        schema = await run_with_deadline(
            lambda: check_schema(state.engine, state.migration_script), settings.ready_timeout_seconds, "ready-check"
        )
    except Exception as exc:  # timeout or any driver error: the DB is not usable right now
        logger.debug("readiness check failed: %s: %s", type(exc).__name__, exc)
        return _not_ready("database unreachable")
    if not schema.ok:
        return _not_ready("migrating" if state.migrator.migrating else schema.reason)
    return JSONResponse({"status": "ready", "revision": schema.db_revision})
