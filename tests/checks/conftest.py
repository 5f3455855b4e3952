"""Fixtures for the loop's checks: a scratch copy of the backend and frontend to edit freely."""
import shutil
from pathlib import Path

import pytest

from scripts.checks.frontend_env import REPO


@pytest.fixture
def scratch_repo(tmp_path) -> Path:
    """backend/ and frontend/ as committed, with the installed node_modules linked (not copied)."""
    ignore = shutil.ignore_patterns("node_modules", ".next", ".checks", "data", "__pycache__", ".testmondata*",
                                    ".pytest_cache", "test-results")
    shutil.copytree(REPO / "backend", tmp_path / "backend", ignore=ignore)
    shutil.copytree(REPO / "frontend", tmp_path / "frontend", ignore=ignore)
    (tmp_path / "frontend" / "node_modules").symlink_to(REPO / "frontend" / "node_modules")
    return tmp_path
