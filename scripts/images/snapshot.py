"""A copy of the repository as a fresh clone would have it (plus not-yet-committed, not-ignored
files), so builds prove they need nothing that only exists in a developer's tree
(node_modules, .venv, .next, local .env)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .config import REPO_ROOT


def fresh_copy(dest: Path, repo: Path = REPO_ROOT) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(repo), str(dest)],
                   check=True, capture_output=True)
    listing = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=repo,
                             capture_output=True, check=True).stdout.decode()
    present = set(filter(None, listing.split("\0")))
    for rel in present:
        src = repo / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    # What the clone has from HEAD but the working tree no longer does (deleted or moved, not yet
    # committed) goes too: the copy is the tree as it is, not HEAD plus today's files.
    committed = subprocess.run(["git", "ls-files", "-z"], cwd=dest, capture_output=True, check=True).stdout.decode()
    for rel in filter(None, committed.split("\0")):
        if rel not in present or not (repo / rel).is_file():
            (dest / rel).unlink(missing_ok=True)
    return dest
