"""Where the database schema stands relative to the migrations shipped with this code.

Readiness and the migrator share this logic:
- DB at this code's head                       -> ok
- DB at an older revision this code knows      -> behind (this code needs a migration first)
- DB at a revision this code has never heard of -> ok: a newer release migrated forward during
  a rolling update and its migrations are written to stay compatible with the previous code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, inspect, text

MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "migrations"  # app/migrations
VERSION_TABLE = "alembic_version"


@lru_cache(maxsize=8)
def script_directory(location: str = str(MIGRATIONS_DIR)) -> ScriptDirectory:
    # Parsing every revision file on each probe would be wasteful; the set is fixed per process.
    return ScriptDirectory(location)


def code_head(script: ScriptDirectory) -> str:
    heads = script.get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"migrations must have exactly one head, found {sorted(heads)}; merge them")
    return heads[0]


def db_revisions(connection: Connection) -> tuple[str, ...]:
    # Read the table directly: MigrationContext would log two INFO lines on every probe.
    if not inspect(connection).has_table(VERSION_TABLE):
        return ()
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))
    return tuple(sorted(row[0] for row in rows))


@dataclass(frozen=True)
class SchemaState:
    ok: bool
    db_revision: str | None
    needed: str
    unknown: bool = False

    @property
    def reason(self) -> str:
        return f"schema behind: db={self.db_revision or 'none'} needs={self.needed}"


def is_known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


def compare(db_heads: tuple[str, ...], script: ScriptDirectory) -> SchemaState:
    needed = code_head(script)
    if not db_heads:
        return SchemaState(ok=False, db_revision=None, needed=needed)
    db_revision = ",".join(db_heads)
    if db_heads == (needed,):
        return SchemaState(ok=True, db_revision=db_revision, needed=needed)
    if all(not is_known(script, head) for head in db_heads):
        return SchemaState(ok=True, db_revision=db_revision, needed=needed, unknown=True)
    # Known but not our head: an ancestor (or a stray branch) -> this code cannot run on it yet.
    return SchemaState(ok=False, db_revision=db_revision, needed=needed)
