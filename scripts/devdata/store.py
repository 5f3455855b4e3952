"""Where snapshots live and how they are named: `.devdata/snapshots/<namespace>/` in the repo.

Not on the dev data claim (Reset deletes that) and not in the cluster at all, so neither Reset,
`tilt down` nor a rebuilt cluster touches them; gitignored, so a dump never enters git. Each
snapshot is the dump (`<name>.sqlite3` or `<name>.pgdump`) plus `<name>.json` describing it.
"""
from __future__ import annotations

import dataclasses
import datetime
import json
import os
import re
from pathlib import Path

from .target import DevDataError

REPO = Path(__file__).resolve().parents[2]
ROOT = REPO / ".devdata" / "snapshots"
SUFFIX = {"sqlite": ".sqlite3", "postgres": ".pgdump"}
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
LATEST = "latest"


@dataclasses.dataclass(frozen=True)
class Snapshot:
    name: str
    db: str
    created: str  # UTC, ISO 8601
    revision: str  # the schema revision the database was at
    size: int
    path: Path

    def line(self) -> str:
        return (f"{self.name:<28} {self.db:<8} revision {self.revision:<14} {self.created[:19].replace('T', ' ')} UTC  "
                f"{self.size / 1024:,.0f} KiB")


def directory(namespace: str) -> Path:
    return ROOT / namespace


def default_name(now: datetime.datetime | None = None) -> str:
    return (now or datetime.datetime.now(datetime.timezone.utc)).strftime("%Y%m%d-%H%M%S")


def check_name(name: str) -> str:
    if name == LATEST or not NAME_RE.fullmatch(name):
        raise DevDataError(f"snapshot name {name!r} is not usable: use 1-64 letters, digits, '.', '_' or '-' "
                           f"(starting with a letter or digit), and not {LATEST!r}, which means the newest")
    return name


def save(namespace: str, name: str, db: str, revision: str, data: bytes) -> Snapshot:
    """Write a new snapshot; an existing name is never overwritten (defaults never lose data)."""
    check_name(name)
    d = directory(namespace)
    d.mkdir(parents=True, exist_ok=True)
    meta_path, dump_path = d / f"{name}.json", d / f"{name}{SUFFIX[db]}"
    if meta_path.exists() or any((d / f"{name}{s}").exists() for s in SUFFIX.values()):
        raise DevDataError(f"a snapshot named {name!r} already exists in {d}; pick another name or delete "
                           f"its files first")
    created = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="microseconds")  # orders saves made within one ms
    # Dump first, description last (both via a temp name): a snapshot listed is a complete one.
    _write_atomically(dump_path, data)
    snap = Snapshot(name, db, created, revision, len(data), dump_path)
    _write_atomically(meta_path, json.dumps({"name": name, "db": db, "created": created,
                                             "revision": revision, "size": len(data)}, indent=2).encode())
    return snap


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # dumps hold password hashes
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def all_snapshots(namespace: str) -> list[Snapshot]:
    """Every complete snapshot of the namespace, oldest first."""
    out = []
    for meta_path in sorted(directory(namespace).glob("*.json")):
        meta = json.loads(meta_path.read_text())
        dump = meta_path.with_name(meta["name"] + SUFFIX[meta["db"]])
        if dump.is_file():
            out.append(Snapshot(meta["name"], meta["db"], meta["created"], meta["revision"], meta["size"], dump))
    return sorted(out, key=lambda s: (s.created, s.name))


def find(namespace: str, name: str, db: str) -> Snapshot:
    """`name`, or the newest snapshot of this database kind for `latest`."""
    snaps = all_snapshots(namespace)
    where = directory(namespace)
    if name in ("", LATEST):
        usable = [s for s in snaps if s.db == db]
        if not usable:
            raise DevDataError(f"no {db} snapshot of namespace {namespace} in {where} yet: take one with "
                               f"Snapshot dev data (or `./scripts/dev data snapshot`)")
        return usable[-1]
    for s in snaps:
        if s.name == name:
            if s.db != db:
                raise DevDataError(f"snapshot {name!r} is a {s.db} dump but this loop runs {db}; restore it into "
                                   f"a loop started with --db={s.db}")
            return s
    known = ", ".join(s.name for s in snaps) or "none"
    raise DevDataError(f"no snapshot named {name!r} in {where} (there: {known})")
