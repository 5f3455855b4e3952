"""Log lines on stdout in one of two formats, chosen by LOG_FORMAT.

`json` (the default, production): one object per line, the format Kubernetes log tooling parses.
Every line carries timestamp, level, logger, message, request_id and user_id (null outside a
request); the per-request line adds method, path, status and duration_ms (and previous_status when
a probe's answer changed).
`text` (the dev loop): one human-readable line per record for Tilt's log pane: time, level,
logger, message, then the request facts that are present.

In both formats, secrets registered with `register_secret` and anything shaped like a JWT are
masked before a line is written, as a second line of defence behind "never log bodies, headers or
query strings".
"""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

REQUEST_FIELDS = ("method", "path", "status", "previous_status", "duration_ms")
LOG_FORMATS = ("json", "text")
JWT_PATTERN = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+")
REDACTED = "[redacted]"

_secrets: set[str] = set()


@dataclass
class RequestContext:
    """Mutable per-request facts; a dependency running in a worker thread sets user_id on the
    same object the middleware reads, which a plain ContextVar value could not carry back."""

    request_id: str
    user_id: int | None = None


request_context: ContextVar[RequestContext | None] = ContextVar("request_context", default=None)


def register_secret(value: str | None) -> None:
    # Short values would mask ordinary words; real secrets are long.
    if value and len(value) >= 8:
        _secrets.add(value)


def scrub(text: str) -> str:
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return JWT_PATTERN.sub(REDACTED, text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        context = request_context.get()
        data: dict[str, object] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
            "request_id": context.request_id if context else None,
            "user_id": context.user_id if context else None,
        }
        for field in REQUEST_FIELDS:
            if hasattr(record, field):
                data[field] = getattr(record, field)
        if record.exc_info:
            data["exception"] = scrub(self.formatException(record.exc_info))
        # Fields are scrubbed before encoding (JSON escaping could hide a secret) and the line
        # after it (a token in a path or an extra field); "[redacted]" needs no escaping.
        return scrub(json.dumps(data, default=str, ensure_ascii=False))


class TextFormatter(logging.Formatter):
    """`20:03:43.123 INFO    app.request  request completed GET /api/tasks status=200 3.21ms
    request_id=… user_id=3` (one line): what a person reads in Tilt's pane, newest at the bottom.
    The date is left out: Tilt's pane can show it, and a dev session rarely spans midnight."""

    def format(self, record: logging.LogRecord) -> str:
        context = request_context.get()
        time = datetime.fromtimestamp(record.created, UTC).strftime("%H:%M:%S.%f")[:-3]
        parts = [f"{time} {record.levelname:<7} {record.name}  {record.getMessage()}"]
        if hasattr(record, "method") and hasattr(record, "path"):
            parts.append(f" {record.method} {record.path}")
        if hasattr(record, "status"):
            parts.append(f" status={record.status}")
        if getattr(record, "previous_status", None) is not None:
            parts.append(f" (was {record.previous_status})")
        if hasattr(record, "duration_ms"):
            parts.append(f" {record.duration_ms}ms")
        if context:
            parts.append(f" request_id={context.request_id}")
            if context.user_id is not None:
                parts.append(f" user_id={context.user_id}")
        if record.exc_info:
            # The traceback is the one multi-line part: a person reads it top to bottom.
            parts.append("\n" + self.formatException(record.exc_info))
        # Scrubbed as a whole: message, path, traceback alike.
        return scrub("".join(parts))


FORMATTERS: dict[str, type[logging.Formatter]] = {"json": JsonFormatter, "text": TextFormatter}


class _StdoutHandler(logging.StreamHandler):
    """Marker class so configure_logging can be called repeatedly without stacking handlers."""


def configure_logging(level: str = "INFO", log_format: str = "json") -> None:
    # Python warnings would otherwise go to stderr unformatted, breaking "every line is JSON".
    logging.captureWarnings(True)
    root = logging.getLogger()
    root.setLevel(level)
    # Matched by name, not class: the dev server re-imports this module in every reloaded worker.
    handler = next((h for h in root.handlers if type(h).__name__ == _StdoutHandler.__name__), None)
    if handler is None:
        handler = _StdoutHandler(sys.stdout)
        root.addHandler(handler)
    # Set on every call: the first call (before settings are read) uses the default format.
    handler.setFormatter(FORMATTERS[log_format]())
    # uvicorn's loggers go through the root handler; its access log is replaced by the
    # app's request log (which has request_id/user_id/duration).
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(level)
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = False
    access.disabled = True
    # Library chatter that would otherwise flood INFO (httpx logs every Cohere call URL; alembic
    # lists its seven autogenerate plugins every time a dev-server worker starts).
    for name in ("httpx", "httpcore", "httpx2", "httpcore2", "sqlalchemy.engine", "alembic.runtime.plugins"):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
