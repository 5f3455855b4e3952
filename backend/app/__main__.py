"""`python -m app`: serve the API with uvicorn.

PORT (default 8000) on 0.0.0.0; UVICORN_RELOAD=true restarts on code changes in app/ (the dev
loop's live update). SIGTERM stops accepting connections, lets in-flight requests finish for up
to GRACEFUL_SHUTDOWN_SECONDS, then exits, inside Kubernetes' default 30 s grace period and
well inside the 10 s this project promises.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import uvicorn

from app.core.config import SettingsError, load_settings
from app.core.logging import configure_logging

APP_DIR = Path(__file__).resolve().parent
GRACEFUL_SHUTDOWN_SECONDS = 7
RELOAD_POLL_SECONDS = 0.05

logger = logging.getLogger("app")


def main() -> int:
    configure_logging()
    try:
        # Validated here too so a bad configuration stops start-up with one clear line.
        settings = load_settings()
    except SettingsError as exc:
        logger.critical("%s", exc)
        return 2
    configure_logging(settings.log_level)
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host="0.0.0.0",
        port=settings.port,
        reload=settings.uvicorn_reload,
        reload_dirs=[str(APP_DIR)] if settings.uvicorn_reload else None,
        # Check for synced files every 50 ms instead of uvicorn's 250 ms: part of the save-to-live
        # budget in the Tilt loop (watchfiles still waits for a quiet 50 ms before reloading).
        reload_delay=RELOAD_POLL_SECONDS,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        access_log=False,  # replaced by the app's JSON request log
        log_config=None,  # keep the JSON handlers configured above
        log_level=settings.log_level.lower(),
        server_header=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
