"""Settings: URL normalisation, production guards, defaults. Errors must name the variable and
the fix, and never print a secret."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import app
from app.core.config import MIN_JWT_SECRET_LENGTH, Settings, SettingsError, load_settings
from app.db.url import normalise_database_url, redact, sqlite_path
from tests.conftest import BACKEND_DIR


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db:5432/todo", "postgresql+psycopg://u:p@db:5432/todo"),
        ("postgresql://u:p@db/todo?sslmode=require", "postgresql+psycopg://u:p@db/todo?sslmode=require"),
        ("postgresql+psycopg://u:p@db/todo", "postgresql+psycopg://u:p@db/todo"),
        ("  POSTGRES://u@db/todo ", "postgresql+psycopg://u@db/todo"),
        ("sqlite:////data/todo.db", "sqlite:////data/todo.db"),
        ("sqlite+pysqlite:///rel.db", "sqlite:///rel.db"),
    ],
)
def test_database_url_spellings_are_normalised(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected
    assert load_settings(database_url=given).database_url == expected


@pytest.mark.parametrize("bad", ["mysql://u:p@db/todo", "postgresql+psycopg2://u:p@db/todo", "just-a-path.db"])
def test_unsupported_database_url_is_a_clear_error(bad: str) -> None:
    with pytest.raises(SettingsError) as error:
        load_settings(database_url=bad)
    assert "DATABASE_URL" in str(error.value)
    assert "postgresql://" in str(error.value)
    assert "p@db" not in str(error.value)  # the credentials are not echoed


def test_default_database_is_sqlite_in_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    settings = load_settings()
    assert settings.database_url == f"sqlite:///{tmp_path}/data/todo.db"
    assert settings.is_sqlite
    assert sqlite_path(str(settings.database_url)) == tmp_path / "data" / "todo.db"


def test_relative_data_dir_defaults_to_dot_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_settings().database_url == f"sqlite:///{tmp_path}/data/todo.db"


def test_in_memory_sqlite_has_no_path() -> None:
    assert sqlite_path("sqlite://") is None
    assert sqlite_path("postgresql+psycopg://u@h/db") is None


def test_redact_hides_the_password() -> None:
    assert redact("postgresql+psycopg://user:hunter2@db:5432/todo") == "postgresql+psycopg://user:***@db:5432/todo"


@pytest.mark.parametrize("secret", [None, "short", "x" * (MIN_JWT_SECRET_LENGTH - 1)])
def test_production_refuses_missing_or_short_jwt_secret(monkeypatch: pytest.MonkeyPatch, secret: str | None) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    if secret is not None:
        monkeypatch.setenv("JWT_SECRET", secret)
    with pytest.raises(SettingsError) as error:
        load_settings()
    message = str(error.value)
    assert "JWT_SECRET" in message and "at least 32 characters" in message and "token_urlsafe" in message
    if secret:
        assert secret not in message
    # Settings() itself (what load_settings wraps) fails too, without echoing the value.
    with pytest.raises(ValueError) as raw:
        Settings()
    if secret:
        assert secret not in str(raw.value)


def test_production_accepts_a_long_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("JWT_SECRET", "s" * MIN_JWT_SECRET_LENGTH)
    settings = load_settings()
    assert settings.jwt_key == "s" * MIN_JWT_SECRET_LENGTH
    assert not settings.jwt_secret_is_ephemeral
    assert "s" * MIN_JWT_SECRET_LENGTH not in repr(settings)


def test_development_generates_an_ephemeral_secret_with_a_warning(tmp_path: Path, logs) -> None:  # type: ignore[no-untyped-def]
    from app.main import create_app

    settings = load_settings(data_dir=tmp_path)
    assert settings.jwt_secret_is_ephemeral
    assert len(settings.jwt_key) >= MIN_JWT_SECRET_LENGTH
    assert settings.jwt_key == settings.jwt_key  # stable for the life of the process
    assert load_settings(data_dir=tmp_path).jwt_key != settings.jwt_key
    create_app(settings)
    warning = next(r for r in logs.records() if "JWT_SECRET is not set" in r["message"])
    assert warning["level"] == "WARNING"
    assert settings.jwt_key not in logs.text


def test_empty_env_values_count_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COHERE_API_KEY", "")
    monkeypatch.setenv("JWT_SECRET", "")
    settings = load_settings()
    assert settings.cohere_api_key is None and settings.jwt_secret_is_ephemeral


def test_env_values_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("CORS_ORIGINS", "http://a.test, http://b.test/ ,")
    monkeypatch.setenv("MIGRATE_ON_START", "false")
    monkeypatch.setenv("PORT", "9000")
    monkeypatch.setenv("COHERE_API_KEY", "co-key-abcdefgh")
    monkeypatch.setenv("APP_VERSION", "2.0.0")
    monkeypatch.setenv("BUILD_REVISION", "deadbeef")
    settings = load_settings()
    assert settings.log_level == "DEBUG"
    assert settings.cors_origins == ["http://a.test", "http://b.test"]
    assert settings.migrate_on_start is False and settings.port == 9000
    assert settings.cohere_api_key is not None and "co-key" not in repr(settings)
    assert (settings.app_version, settings.build_revision) == ("2.0.0", "deadbeef")


@pytest.mark.parametrize(
    ("name", "value", "field"),
    [
        ("LOG_LEVEL", "chatty", "LOG_LEVEL"),
        ("APP_ENV", "staging", "APP_ENV"),
        ("READY_TIMEOUT_SECONDS", "5", "READY_TIMEOUT_SECONDS"),
        ("COHERE_TIMEOUT_SECONDS", "60", "COHERE_TIMEOUT_SECONDS"),
        ("PORT", "http", "PORT"),
    ],
)
def test_invalid_values_name_the_variable(monkeypatch: pytest.MonkeyPatch, name: str, value: str, field: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=field):
        load_settings()


def test_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.app_env == "development" and settings.log_level == "INFO"
    assert settings.migrate_on_start is True and settings.port == 8000
    assert settings.ready_timeout_seconds <= 2 and settings.cohere_timeout_seconds <= 15
    assert settings.cors_origins == [] and settings.build_revision == "unknown"
    assert settings.app_version == app.__version__


def test_source_version_matches_pyproject() -> None:
    project = tomllib.loads((BACKEND_DIR / "pyproject.toml").read_text())["project"]
    assert project["name"] == "todo-backend"
    assert project["version"] == app.__version__


def test_requirements_are_all_pinned() -> None:
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (BACKEND_DIR / name).read_text().splitlines():
            line = line.split("#")[0].strip()
            if line and not line.startswith("-r "):
                assert "==" in line, f"{name}: {line} is not pinned with =="


def test_every_setting_is_documented_in_env_example() -> None:
    example = BACKEND_DIR.parent / ".env.example"
    if not example.exists():  # e.g. inside the backend image, whose build context is backend/
        pytest.skip("repository root not available")
    text = example.read_text()
    missing = [name.upper() for name in Settings.model_fields if name.upper() not in text]
    assert missing == [], f"add these to .env.example with a comment: {missing}"


def test_missing_postgres_binaries_name_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support import postgres

    monkeypatch.setenv("PG_BIN_DIR", "/nonexistent")
    monkeypatch.setattr(postgres.glob, "glob", lambda _pattern: [])
    monkeypatch.setattr(postgres.shutil, "which", lambda _name: None)
    with pytest.raises(RuntimeError, match="apt-get install postgresql"):
        postgres.find_bin_dir()


def test_module_level_app_is_built_on_first_access(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `uvicorn app.main:app` must work, but importing app.main must not build an app.
    from fastapi import FastAPI

    import app.main as main_module

    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.delitem(main_module.__dict__, "app", raising=False)
    built = main_module.app
    assert isinstance(built, FastAPI)
    assert main_module.app is built
    monkeypatch.delitem(main_module.__dict__, "app")
    with pytest.raises(AttributeError):
        _ = main_module.not_there
