"""MIGRATE_ON_START: wait for the database and migrate in a background thread.

In the background so the server answers /health immediately (the liveness probe must not kill
a pod that is merely waiting for its database), while /ready stays 503 until the schema is in
place. It retries until it succeeds or the server stops, because a pod that gave up would sit
unready forever without ever being restarted.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from sqlalchemy import Engine

from app.core.config import Settings
from app.db.migrate import Stopped, upgrade_to_head, wait_for_database
from app.db.revision import MIGRATIONS_DIR

logger = logging.getLogger("app.db.migrate")

MAX_BACKOFF_SECONDS = 30.0


class StartupMigrator:
    def __init__(self, engine: Engine, settings: Settings, script_location: Path = MIGRATIONS_DIR) -> None:
        self.engine = engine
        self.settings = settings
        self.script_location = script_location
        self.phase = "idle"  # idle | waiting for database | migrating | done | failed | stopped
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def migrating(self) -> bool:
        return self.phase == "migrating"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="startup-migration", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        self._stop.set()
        if self._thread is not None:
            # Bounded: a migration in flight is abandoned (its transaction rolls back when the
            # process exits) rather than delaying shutdown past the grace period.
            self._thread.join(timeout)

    def _run(self) -> None:
        backoff = 1.0
        while not self._stop.is_set():
            try:
                self.phase = "waiting for database"
                wait_for_database(self.engine, self.settings.db_wait_seconds, self._stop)
                self.phase = "migrating"
                upgrade_to_head(
                    self.engine, self.settings.migrate_lock_timeout_seconds, self._stop, self.script_location
                )
                self.phase = "done"
                return
            except Stopped:
                break
            except Exception as exc:  # keep retrying; /ready reports the state meanwhile
                self.phase = "failed"
                logger.error("start-up migration failed, retrying in %.0f s: %s", backoff, exc)
                if self._stop.wait(backoff):
                    break
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
        self.phase = "stopped"
