"""Read and update a `.env` file without a dependency and without losing the user's lines.

Format: `KEY=value` per line, `#` comments, optional `export `, single or double quotes.
"""
from __future__ import annotations

import re
from pathlib import Path

LINE_RE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


class DotenvError(ValueError):
    pass


def parse(text: str, source: str = ".env") -> dict[str, str]:
    values: dict[str, str] = {}
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = LINE_RE.match(line)
        if not m:
            raise DotenvError(f"{source}:{lineno}: expected KEY=value, got {raw.split('=')[0][:40]!r}… "
                              f"(fix or comment out that line)")
        key, value = m[1], m[2]
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key] = value
    return values


def load(path: Path) -> dict[str, str]:
    return parse(path.read_text(), str(path)) if path.exists() else {}


def append(path: Path, key: str, value: str, comment: str) -> None:
    """Append one key, keeping every existing line (and the file's mode, 0600 when new)."""
    existing = path.read_text() if path.exists() else ""
    sep = "" if not existing or existing.endswith("\n") else "\n"
    path.write_text(f"{existing}{sep}# {comment}\n{key}={value}\n")
    if not existing:
        path.chmod(0o600)
