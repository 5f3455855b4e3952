"""JSON logging: one object per line on stdout, the format Kubernetes log tooling parses.

Every line carries timestamp, level, logger, message, request_id and user_id (null outside a
request); the per-request line adds method, path, status and duration_ms. Secrets registered
with `register_secret` and anything shaped like a JWT are masked before a line is written, as a
second line of defence behind "never log bodies, headers or query strings".
"""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

REQUEST_FIELDS = ("method", "path", "status", "duration_ms")
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
        return json.dumps(data, default=str, ensure_ascii=False)


class _JsonStdoutHandler(logging.StreamHandler):
    """Marker class so configure_logging can be called repeatedly without stacking handlers."""


def configure_logging(level: str = "INFO") -> None:
    # Python warnings would otherwise go to stderr as plain text, breaking "every line is JSON".
    logging.captureWarnings(True)
    root = logging.getLogger()
    root.setLevel(level)
    # Matched by name, not class: the dev server re-imports this module in every reloaded worker.
    if not any(type(h).__name__ == _JsonStdoutHandler.__name__ for h in root.handlers):
        handler = _JsonStdoutHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    # uvicorn's loggers go through the root JSON handler; its access log is replaced by the
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
    # Library chatter that would otherwise flood INFO (httpx logs every Cohere call URL).
    for name in ("httpx", "httpcore", "httpx2", "httpcore2", "sqlalchemy.engine"):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
