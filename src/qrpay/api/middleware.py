"""ASGI middleware: request ids, access logs and metrics, and the request body limit.

Plain ASGI (not Starlette's BaseHTTPMiddleware) so streaming responses, such as the
server-sent events of a checkout, pass through untouched.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Final

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qrpay.api.problems import send_problem
from qrpay.domain.errors import RequestTooLarge
from qrpay.observability import metrics
from qrpay.observability.logs import log

REQUEST_ID_HEADER: Final = b"x-request-id"
_REQUEST_ID_RE: Final = re.compile(rb"[A-Za-z0-9._\-]{1,64}\Z")


class RequestContext:
    """Give every request an id (the caller's, when sane), log it once, count it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(REQUEST_ID_HEADER, b"")
        request_id = given.decode() if _REQUEST_ID_RE.match(given) else uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (REQUEST_ID_HEADER, request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", "unmatched")
            metrics.REQUESTS.labels(route, scope["method"], str(status)).inc()
            metrics.LATENCY.labels(route).observe(elapsed)
            log.info(
                "http.request",
                method=scope["method"],
                route=route,
                status=status,
                duration_ms=round(elapsed * 1000, 3),
            )


class BodyLimit:
    """Refuse bodies above ``request_body_bytes_max`` before they are read into memory."""

    def __init__(self, app: ASGIApp, request_body_bytes_max: int) -> None:
        self.app = app
        self.limit = request_body_bytes_max

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            error = RequestTooLarge(f"the body is larger than {self.limit} bytes")
            await send_problem(send, error, scope.get("path"))
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise RequestTooLarge(f"the body is larger than {self.limit} bytes")
            return message

        await self.app(scope, counted, send)
