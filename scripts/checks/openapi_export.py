"""The backend's OpenAPI document, taken in-process from the app factory.

In-process rather than from the running pod: fetching /openapi.json through the port-forward
races uvicorn's reload (the old process may still answer), and an in-process app needs no
cluster, so the same document is produced by the loop, by `tilt ci` and by the drift test.
Settings are given explicitly so the developer's environment (DATABASE_URL, COHERE_API_KEY…)
cannot change the document, and nothing is connected to or written: SQLite in memory, no
start-up migration (the lifespan never runs; `.openapi()` only walks the routes).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BACKEND = Path(__file__).resolve().parents[2] / "backend"


def openapi_document(backend: Path = BACKEND) -> dict:
    """The document, from a fresh interpreter: `app` is imported from `backend` as it is on disk now
    (a module cache would keep serving the code of an earlier call), and the backend's logging set-up
    stays out of the caller's process."""
    p = subprocess.run([sys.executable, "-m", "scripts.checks.openapi_export", str(backend)],
                       cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise ExportError(f"the backend's app factory failed, so there is no OpenAPI document to check "
                          f"against (fix the backend; its error follows):\n{p.stderr.strip()}")
    return json.loads(p.stdout)


class ExportError(Exception):
    pass


def _in_process(backend: Path) -> dict:
    sys.path.insert(0, str(backend))
    from app import __version__
    from app.core.config import Settings
    from app.main import create_app

    settings = Settings(
        app_env="development",
        log_level="ERROR",  # the ephemeral-JWT warning is about serving, not about the schema
        database_url="sqlite://",
        migrate_on_start=False,
        cohere_api_key=None,
        cors_origins=[],
        # The source's own version, not the installed distribution's: the document must not
        # depend on what happens to be pip-installed.
        app_version=__version__,
    )
    return create_app(settings).openapi()


def render(document: dict) -> str:
    """Stable text: sorted keys make the committed file's diffs show only real changes."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(json.dumps(_in_process(Path(sys.argv[1]) if len(sys.argv) > 1 else BACKEND)))
