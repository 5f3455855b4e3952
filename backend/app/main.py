"""FastAPI app factory.

`create_app()` wires settings, logging, the DB engine, the chat interpreter and the background
start-up migration onto one app instance. `python -m app` serves it (see __main__.py); tests
build as many instances as they like with explicit settings.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from app.api.router import api_router
from app.chat.select import build_interpreter
from app.core.config import Settings, load_settings
from app.core.logging import configure_logging, register_secret
from app.core.request_context import REQUEST_ID_HEADER, RequestContextMiddleware
from app.core.security import Passwords
from app.db.engine import create_db_engine
from app.db.revision import MIGRATIONS_DIR, script_directory
from app.db.startup import StartupMigrator
from app.db.url import redact

logger = logging.getLogger("app")


def _register_secrets(settings: Settings) -> None:
    register_secret(settings.jwt_key)
    if settings.cohere_api_key is not None:
        register_secret(settings.cohere_api_key.get_secret_value())
    from sqlalchemy.engine import make_url

    register_secret(make_url(str(settings.database_url)).password)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    logger.info(
        "starting todo-backend %s (%s) env=%s database=%s",
        settings.app_version,
        settings.build_revision,
        settings.app_env,
        redact(str(settings.database_url)),
    )
    if settings.migrate_on_start:
        app.state.migrator.start()
    yield
    app.state.migrator.stop()
    app.state.engine.dispose()
    logger.info("shutdown complete")


async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    # FastAPI's default echoes the submitted value ("input") back, which for auth bodies is
    # the password; keep the field location and the message only.
    errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in exc.errors()]
    return JSONResponse(status_code=422, content=jsonable_encoder({"detail": errors}))


def create_app(settings: Settings | None = None, *, migrations_dir: Path = MIGRATIONS_DIR) -> FastAPI:
    settings = settings or load_settings()
    configure_logging(settings.log_level, settings.log_format)
    _register_secrets(settings)
    if settings.jwt_secret_is_ephemeral:
        logger.warning(
            "JWT_SECRET is not set: using a random secret for this process (development only); "
            "tokens stop working on restart. Set JWT_SECRET (32+ characters) to keep sessions."
        )

    app = FastAPI(title="todo-backend", version=settings.app_version, lifespan=_lifespan)
    app.state.settings = settings
    app.state.engine = create_db_engine(settings)
    app.state.passwords = Passwords(settings.argon2_time_cost, settings.argon2_memory_kib)
    app.state.chat_interpreter = build_interpreter(settings)
    app.state.migration_script = script_directory(str(migrations_dir))
    app.state.migrator = StartupMigrator(app.state.engine, settings, migrations_dir)

    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=[REQUEST_ID_HEADER],
        )
    # Added last = outermost: the request id exists before anything else runs, and every
    # response (CORS preflights and errors included) carries it.
    app.add_middleware(RequestContextMiddleware)
    app.include_router(api_router)
    return app


def __getattr__(name: str) -> FastAPI:
    # `uvicorn app.main:app` works too, but the app is only built when asked for, so importing
    # this module (tests, alembic) never reads the environment as a side effect.
    if name == "app":
        instance = create_app()
        globals()["app"] = instance
        return instance
    raise AttributeError(name)
