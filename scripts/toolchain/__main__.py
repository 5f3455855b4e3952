"""Entry point for both `python3 -m scripts.toolchain` (from the repo root) and
`python3 scripts/toolchain` (any cwd): the latter runs this file with the package dir as
sys.path[0], so swap that for the repo root (also keeps our module names from shadowing stdlib)."""
import sys
from pathlib import Path

if not __package__:
    repo = str(Path(__file__).resolve().parents[2])
    sys.path[0] = repo

from scripts.toolchain.cli import main  # noqa: E402

raise SystemExit(main())
