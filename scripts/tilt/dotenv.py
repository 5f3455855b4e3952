"""Read and update `.env` with python-dotenv, plus the two rules the project adds on top.

python-dotenv parses the format (comments, `export `, quotes, multi-line values) and `set_key`
rewrites the file keeping every other line as it was. What this wrapper adds:
- a line python-dotenv cannot parse is an error naming the file and line: python-dotenv only logs
  a warning and skips it, which would silently drop a key (often a secret) from the Secret;
- values are read literally (`interpolate=False`): python-dotenv expands `${VAR}` by default, which
  would corrupt a password that happens to contain `${`.
"""
from __future__ import annotations

import io
import os
import re
from pathlib import Path

from dotenv import dotenv_values, set_key
from dotenv.parser import parse_stream

# What a key looks like; used only to decide whether the start of a bad line may be shown.
KEY_LIKE = re.compile(r"(?:export\s+)?[A-Za-z_][A-Za-z0-9_.]{0,39}")
# Values written without quotes: what `secrets.token_urlsafe` produces, so generated lines read
# exactly like hand-written ones. Anything else is single-quoted by python-dotenv (and escaped).
UNQUOTED_VALUE = re.compile(r"[A-Za-z0-9_\-.]+")


class DotenvError(ValueError):
    pass


def parse(text: str, source: str = ".env") -> dict[str, str]:
    """KEY -> value of every binding; raises DotenvError for the first line that is not KEY=value."""
    for binding in parse_stream(io.StringIO(text)):
        if binding.error or (binding.key is not None and binding.value is None):
            raise DotenvError(f"{source}:{binding.original.line}: expected KEY=value, got "
                              f"{_shown(binding.original.string)} (fix or comment out that line; "
                              f"nothing was changed)")
    values = dotenv_values(stream=io.StringIO(text), interpolate=False)
    return {key: value for key, value in values.items() if value is not None}


def _shown(line: str) -> str:
    """The start of a bad line when it looks like a key, never what could be a pasted secret."""
    head = line.strip().split("=", 1)[0].strip()
    return f"{head!r}…" if KEY_LIKE.fullmatch(head) else "a line that is not shown (it may hold a secret)"


def load(path: Path) -> dict[str, str]:
    return parse(path.read_text(), str(path)) if path.exists() else {}


def add_generated(path: Path, key: str, value: str, comment: str) -> None:
    """Give `key` a generated value, keeping every other line (comments, order, quotes, `export `).

    A key that is absent is added at the end under `# comment`; one present but empty is filled
    in place. A new file is created 0600 (python-dotenv writes through a private temp file) and an
    existing one keeps its mode; a symlinked .env stays a symlink (the link's target is updated).
    """
    existing = path.read_text() if path.exists() else ""
    present = key in parse(existing, str(path))  # also refuses to rewrite a file with a bad line
    if not present:
        sep = "" if not existing or existing.endswith("\n") else "\n"
        # python-dotenv writes no comments; the line saying where the value came from goes first.
        # O_CREAT with 0600: a new .env is private from its first byte.
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), "a") as f:
            f.write(f"{sep}# {comment}\n")
    quote_mode = "never" if UNQUOTED_VALUE.fullmatch(value) else "always"
    set_key(path, key, value, quote_mode=quote_mode, follow_symlinks=True)
