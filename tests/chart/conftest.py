"""Session fixtures for the chart tests: the real helm binary and each values set rendered once."""

from __future__ import annotations

import re
import subprocess

import pytest

from chart_helpers import VALUES_SETS, Helm, find_helm, pinned_version


@pytest.fixture(scope="session")
def helm() -> Helm:
    binary = find_helm()
    version = subprocess.run([binary, "version", "--short"], capture_output=True, text=True).stdout
    pinned = pinned_version("helm")
    major = re.match(r"v?(\d+)\.", version)
    if not major or major.group(1) != pinned.split(".")[0]:
        pytest.fail(f"{binary} is helm {version.strip() or '?'}; the chart tests need helm "
                    f"{pinned} (v{pinned.split('.')[0]}.x).", pytrace=False)
    return Helm(binary)


@pytest.fixture(scope="session")
def rendered(helm: Helm) -> dict[str, list[dict]]:
    """Every values set rendered once: {"prod": [...objects], "dev": [...], "optins": [...]}."""
    return {name: helm.render(files) for name, files in VALUES_SETS.items()}
