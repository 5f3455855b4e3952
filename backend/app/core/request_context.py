"""ASGI middleware: request id in/out, per-request context for logs, one log line per request.

Pure ASGI rather than BaseHTTPMiddleware so streaming and cancellation behave normally.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.logging import RequestContext, request_context
from app.core.probes import PROBE_PATHS, is_success

REQUEST_ID_HEADER = "X-Request-ID"
# Anything else could smuggle control characters or huge values into logs and headers.
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")

logger = logging.getLogger("app.request")


def accept_request_id(value: str | None) -> str:
    if value and VALID_REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


class ProbeLog:
    """Which probe responses get a log line. Kubelet and Tilt's probe resources ask every 2-10 s;
    a repeated success says nothing new and drowned the useful lines (755 of 1,694 in a five-minute
    dev session), so it is not logged at any level. A change of answer (ready -> 503 -> ready) is
    logged, a turn to failure as a warning; a repeated failure is logged like any request, since
    the service is still broken. Before its first answer a probe counts as succeeding, so a healthy
    start logs nothing."""

    def __init__(self) -> None:
        # path -> last status; only the event loop's thread touches it, so no lock is needed.
        self._last: dict[str, int] = {}

    def decide(self, path: str, status: int) -> tuple[int | None, int | None]:
        """(level, or None for no line; the previous status when the answer changed)."""
        previous = self._last.get(path)
        self._last[path] = status
        unchanged = status == previous or (previous is None and is_success(status))
        if unchanged:
            return (None if is_success(status) else logging.INFO), None
        return (logging.INFO if is_success(status) else logging.WARNING), previous


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.probes = ProbeLog()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        context = RequestContext(request_id=accept_request_id(Headers(scope=scope).get(REQUEST_ID_HEADER)))
        token = request_context.set(context)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = context.request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            logger.exception("unhandled error")
            if response_started:
                raise
            # Answer here (not in Starlette's outer error middleware) so even a crash returns
            # JSON with the request id the client can quote.
            await _send_internal_error(send_with_id, context.request_id)
        finally:
            path = scope.get("path", "")
            level, previous_status = logging.INFO, None
            if path in PROBE_PATHS:
                level, previous_status = self.probes.decide(path, status)
            if level is not None:
                logger.log(
                    level,
                    "request completed",
                    extra={
                        "method": scope.get("method"),
                        # Path only: query strings can carry tokens or personal data.
                        "path": path,
                        "status": status,
                        **({"previous_status": previous_status} if previous_status is not None else {}),
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )
            request_context.reset(token)


async def _send_internal_error(send: Send, request_id: str) -> None:
    # request_id passed VALID_REQUEST_ID or is a uuid: safe to embed in JSON as is.
    body = f'{{"detail":"internal server error","request_id":"{request_id}"}}'.encode()
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
