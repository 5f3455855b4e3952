"""Settings read from the environment (12-factor: the container gets everything via env).

Only `load_settings()` should be used by the app: it turns pydantic's validation errors into a
`SettingsError` whose message names the variable and the fix, and never echoes a secret value.
"""

from __future__ import annotations

import secrets
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app import __version__ as SOURCE_VERSION
from app.db.url import normalise_database_url, sqlite_url_for

MIN_JWT_SECRET_LENGTH = 32
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
JWT_SECRET_HINT = "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"


class SettingsError(RuntimeError):
    """Start-up configuration is unusable; the message says which variable and how to fix it."""


def _package_version() -> str:
    # The image copies the source instead of installing the distribution, so metadata is
    # often absent; the package's own constant is the fallback.
    try:
        return metadata.version("todo-backend")
    except metadata.PackageNotFoundError:
        return SOURCE_VERSION


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        # `FOO=` in a manifest means "not set", not "empty string".
        env_ignore_empty=True,
        # Validation errors must never print a secret's value into a log.
        hide_input_in_errors=True,
        extra="ignore",
    )

    app_env: Literal["development", "production"] = "development"
    log_level: str = "INFO"
    # json = one object per line (production: what log tooling parses); text = one readable line
    # per record (the dev loop's Tilt pane). An explicit choice, not derived from APP_ENV.
    log_format: Literal["json", "text"] = "json"

    data_dir: Path = Path("./data")
    # None means "SQLite file in DATA_DIR" (resolved in the validator below).
    database_url: str | None = None
    db_connect_timeout_seconds: int = Field(default=5, ge=1, le=60)
    # How long `python -m app.db.migrate` (and each background attempt) waits for the DB.
    db_wait_seconds: float = Field(default=60.0, gt=0)
    # /ready must answer quickly even when the DB hangs: a probe that times out is worse
    # than a fast 503.
    ready_timeout_seconds: float = Field(default=2.0, gt=0, le=2.0)
    migrate_on_start: bool = True
    # Bound on waiting for another replica's migration lock before giving up with an error.
    migrate_lock_timeout_seconds: float = Field(default=120.0, gt=0)

    jwt_secret: SecretStr | None = None
    jwt_expire_minutes: int = Field(default=60 * 24, ge=1)
    # Argon2 cost: the defaults are argon2-cffi's recommended ones (64 MiB per hash); small
    # pods or test suites may lower them.
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)

    cohere_api_key: SecretStr | None = None
    cohere_model: str = "command-a-03-2025"
    # None = Cohere's public API; set for a proxy or a private deployment.
    cohere_base_url: str | None = None
    # The issue caps the Cohere wait at 15 s so the chat endpoint never hangs.
    cohere_timeout_seconds: float = Field(default=10.0, gt=0, le=15.0)

    cors_origins: Annotated[list[str], NoDecode] = []

    app_version: str = Field(default_factory=_package_version)
    build_revision: str = "unknown"

    port: int = Field(default=8000, ge=1, le=65535)
    uvicorn_reload: bool = False
    # Behind the ingress/frontend proxy the peer address is a pod IP we cannot know in advance.
    forwarded_allow_ips: str = "*"

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level(cls, value: object) -> str:
        level = str(value).strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("log_format", mode="before")
    @classmethod
    def _log_format(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        # Comma-separated in the environment; a list when passed from code.
        if isinstance(value, str):
            return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("database_url", mode="before")
    @classmethod
    def _database_url(cls, value: object) -> object:
        if value is None:
            return None
        return normalise_database_url(str(value))

    @model_validator(mode="after")
    def _resolve(self) -> Settings:
        if self.database_url is None:
            self.database_url = sqlite_url_for(self.data_dir)
        secret = self.jwt_secret.get_secret_value() if self.jwt_secret else ""
        if self.app_env == "production" and len(secret) < MIN_JWT_SECRET_LENGTH:
            problem = "is not set" if not secret else f"is only {len(secret)} characters"
            raise ValueError(
                f"JWT_SECRET {problem}; APP_ENV=production needs at least "
                f"{MIN_JWT_SECRET_LENGTH} characters ({JWT_SECRET_HINT})"
            )
        return self

    @cached_property
    def jwt_key(self) -> str:
        """The signing key: JWT_SECRET, or (development only) a random per-process secret."""
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value()
        return secrets.token_urlsafe(48)

    @property
    def jwt_secret_is_ephemeral(self) -> bool:
        return self.jwt_secret is None

    @property
    def is_sqlite(self) -> bool:
        return str(self.database_url).startswith("sqlite")


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment (overrides win); raise SettingsError on bad config."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]).upper()
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{field}: {message}" if field else message)
        raise SettingsError("invalid configuration: " + "; ".join(problems)) from None
