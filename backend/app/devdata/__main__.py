"""`python -m app.devdata seed | dump | load | revision` (run in the backend's pod by the dev loop).

dump writes the SQLite database to stdout and load reads one from stdin (binary), so the snapshot
travels through `kubectl exec` and never needs a copy on the pod's volume. Errors: one line on
stderr, exit 1; nothing is changed.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from sqlmodel import Session

from app.core.config import Settings, SettingsError, load_settings
from app.core.security import Passwords
from app.db.revision import compare, db_revisions, script_directory
from app.db.url import sqlite_path
from app.devdata import seed, sqlite_file


class DevDataError(Exception):
    pass


def _sqlite_file(settings: Settings) -> Path:
    path = sqlite_path(str(settings.database_url)) if settings.is_sqlite else None
    if path is None:
        raise DevDataError(
            "this backend does not use a SQLite file (DATABASE_URL points elsewhere); "
            "snapshots of PostgreSQL are taken with pg_dump in its own pod"
        )
    return path


def cmd_seed(settings: Settings) -> None:
    if settings.app_env == "production":
        raise DevDataError(
            "refusing to seed with APP_ENV=production: the demo login is published; seed only the dev loop (--mode=dev)"
        )
    from app.db.engine import create_db_engine

    engine = create_db_engine(settings)
    try:
        with engine.connect() as connection:
            state = compare(db_revisions(connection), script_directory())
        if not state.ok:
            raise DevDataError(
                f"the database is not migrated yet ({state.reason}); wait until /ready is 200 and seed again"
            )
        with Session(engine) as session:
            result = seed.seed(session, Passwords(settings.argon2_time_cost, settings.argon2_memory_kib), date.today())
    finally:
        engine.dispose()
    user = "created" if result.user_created else "already there"
    print(
        f"demo data: user {seed.DEMO_EMAIL} {user}; tasks: {result.created} created, {result.updated} reset "
        f"to their seeded state, {result.unchanged} unchanged ({len(seed.DEMO_TASKS)} in all)"
    )
    print(f"log in as {seed.DEMO_EMAIL} / {seed.DEMO_PASSWORD}")


def cmd_revision(settings: Settings) -> None:
    from app.db.engine import create_db_engine

    engine = create_db_engine(settings)
    try:
        with engine.connect() as connection:
            print(",".join(db_revisions(connection)) or "none")
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.devdata", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("seed", "dump", "load", "revision"))
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        if args.command == "seed":
            cmd_seed(settings)
        elif args.command == "revision":
            cmd_revision(settings)
        elif args.command == "dump":
            sys.stdout.buffer.write(sqlite_file.dump(_sqlite_file(settings)))
            sys.stdout.buffer.flush()
        else:
            sqlite_file.load(_sqlite_file(settings), sys.stdin.buffer.read())
            print(f"{_sqlite_file(settings)} replaced from the snapshot")
    except (SettingsError, DevDataError, sqlite_file.SnapshotRefused) as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
