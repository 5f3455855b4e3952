"""`python -m app`: serve the API with uvicorn.

PORT (default 8000) on 0.0.0.0; UVICORN_RELOAD=true reloads the app in place on code changes in
app/ (the dev loop's live update; the `devserver` package beside app/, in the dev image only).
SIGTERM stops accepting connections, lets in-flight requests finish for up to
GRACEFUL_SHUTDOWN_SECONDS, then exits, inside Kubernetes' default 30 s grace period and well inside
the 10 s this project promises.
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
HOST = "0.0.0.0"
APP_FACTORY = "app.main:create_app"

logger = logging.getLogger("app")


def main() -> int:
    configure_logging()
    try:
        # Validated here too so a bad configuration stops start-up with one clear line.
        settings = load_settings()
    except SettingsError as exc:
        logger.critical("%s", exc)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    options = dict(
        factory=True,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        access_log=False,  # replaced by the app's JSON request log
        log_config=None,  # keep the JSON handlers configured above
        log_level=settings.log_level.lower(),
        server_header=False,
    )
    if settings.uvicorn_reload:
        # The dev loop: Tilt syncs files into app/; the app reloads in place, in this process, with
        # the new code started before the old stops (see devserver/__init__.py for why). A dev tool:
        # the runtime image ships app/ only.
        try:
            import devserver
        except ImportError:
            logger.critical(
                "UVICORN_RELOAD=true needs the dev image (the in-place reloading dev server is "
                "not in the runtime image): build the dev target, or unset UVICORN_RELOAD"
            )
            return 2

        return devserver.run(
            APP_DIR, APP_FACTORY, dict(options, host=HOST, port=settings.port), GRACEFUL_SHUTDOWN_SECONDS
        )
    uvicorn.run(APP_FACTORY, host=HOST, port=settings.port, **options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
