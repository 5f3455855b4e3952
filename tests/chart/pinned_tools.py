"""The pinned builds of tools only the chart tests need (kube-score, checkov, hadolint, helm-docs:
scripts/versions.toml, not in [install].default), installed through the toolchain on first use.
(A uniquely named module, so other suites' conftest.py files can never shadow it.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from scripts.toolchain import manifest  # noqa: E402  (needs REPO on sys.path)
from scripts.toolchain.versions import load as load_versions  # noqa: E402


class ToolInstallError(RuntimeError):
    """The toolchain could not install a pinned tool (its output says why)."""


def pinned_binaries(*names: str) -> dict[str, Path]:
    """{name: binary} of the pinned tools; `python -m scripts.toolchain install` for any not yet in
    the cache (a Go build or a virtualenv takes a few minutes, once)."""
    versions = load_versions()
    found = {name: manifest.valid(versions.tool(name)) for name in names}
    missing = [name for name, m in found.items() if m is None]
    if missing:
        proc = subprocess.run([sys.executable, "-m", "scripts.toolchain", "install", *missing], cwd=REPO,
                              capture_output=True, text=True, timeout=3600)
        if proc.returncode != 0:
            raise ToolInstallError(f"`python -m scripts.toolchain install {' '.join(missing)}` failed:\n"
                                   f"{proc.stdout}{proc.stderr}")
        found = {name: manifest.valid(versions.tool(name)) for name in names}
    return {name: m.binary(name) for name, m in found.items()}
