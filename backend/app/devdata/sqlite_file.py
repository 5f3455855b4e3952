"""Copy the SQLite dev database out of and back into its volume.

Out: SQLite's online backup API, so the copy is consistent while the server keeps writing. The
copy is switched from WAL to a rollback journal so it is one self-contained file (a WAL-mode
image is not usable without its -wal/-shm companions).
In (the backend is stopped): the file is checked first, then swapped in atomically; stale
-wal/-shm files of the old database are removed so SQLite cannot replay them into the new one.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from app.db.revision import VERSION_TABLE


class SnapshotRefused(Exception):
    pass


@contextmanager
def _temp_next_to(db_path: Path) -> Iterator[Path]:
    """A temp file on the database's own volume (same filesystem, so os.replace is atomic)."""
    fd, name = tempfile.mkstemp(prefix=f".{db_path.name}.", suffix=".tmp", dir=db_path.parent)
    os.close(fd)
    try:
        yield Path(name)
    finally:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(name + suffix).unlink(missing_ok=True)


def dump(db_path: Path) -> bytes:
    if not db_path.is_file():
        raise SnapshotRefused(f"no database at {db_path} yet (the backend creates it on its first start)")
    with _temp_next_to(db_path) as tmp:
        with closing(sqlite3.connect(db_path)) as src, closing(sqlite3.connect(tmp)) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
        return tmp.read_bytes()


def load(db_path: Path, data: bytes) -> None:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with _temp_next_to(db_path) as tmp:
        tmp.write_bytes(data)
        _check(tmp)
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        os.replace(tmp, db_path)


def _check(path: Path) -> None:
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise SnapshotRefused(f"the snapshot is not a SQLite database ({exc}); nothing was changed") from None
    if integrity != "ok":
        raise SnapshotRefused(f"the snapshot fails SQLite's integrity check ({integrity}); nothing was changed")
    if VERSION_TABLE not in tables:
        raise SnapshotRefused(
            "the snapshot has no alembic_version table, so it is not this app's database; nothing was changed"
        )
