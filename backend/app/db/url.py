"""DATABASE_URL parsing: one place that knows which URL spellings we accept.

Hosting providers hand out `postgres://` (Heroku style) or `postgresql://` URLs; SQLAlchemy
would pick psycopg2 (not installed) for those, so every Postgres spelling is rewritten to the
psycopg 3 driver we ship.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

POSTGRES_SCHEMES = {"postgres", "postgresql", "postgresql+psycopg"}
SQLITE_SCHEMES = {"sqlite", "sqlite+pysqlite"}
EXAMPLES = "postgresql://USER:PASSWORD@HOST:5432/DBNAME or sqlite:////data/todo.db"


def normalise_database_url(url: str) -> str:
    url = url.strip()
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"is not a URL; expected something like {EXAMPLES}")
    scheme = scheme.lower()
    if scheme in POSTGRES_SCHEMES:
        return f"postgresql+psycopg://{rest}"
    if scheme in SQLITE_SCHEMES:
        return f"sqlite://{rest}"
    raise ValueError(f"scheme '{scheme}' is not supported; use {EXAMPLES}")


def sqlite_url_for(data_dir: Path) -> str:
    """The embedded default: one SQLite file inside DATA_DIR."""
    return f"sqlite:///{(Path(data_dir).expanduser().resolve() / 'todo.db').as_posix()}"


def sqlite_path(url: str) -> Path | None:
    """Filesystem path of a file-backed SQLite URL (None for in-memory or non-SQLite)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def redact(url: str) -> str:
    """URL safe to log: the password is masked."""
    return make_url(url).render_as_string(hide_password=True)
