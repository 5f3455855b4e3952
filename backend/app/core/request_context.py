"""ASGI middleware: request id in/out, per-request context for logs, one JSON line per request.

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

REQUEST_ID_HEADER = "X-Request-ID"
# Anything else could smuggle control characters or huge values into logs and headers.
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
# Probes hit these every few seconds; at INFO they would drown the useful lines.
QUIET_PATHS = frozenset({"/health", "/ready"})

logger = logging.getLogger("app.request")


def accept_request_id(value: str | None) -> str:
    if value and VALID_REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

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
            level = logging.DEBUG if path in QUIET_PATHS and status < 500 else logging.INFO
            logger.log(
                level,
                "request completed",
                extra={
                    "method": scope.get("method"),
                    # Path only: query strings can carry tokens or personal data.
                    "path": path,
                    "status": status,
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
