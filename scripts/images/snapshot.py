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
    for rel in filter(None, listing.split("\0")):
        src = repo / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest
