"""The FastAPI application: routers, error handling and middleware, assembled once."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import orjson
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from qrpay.api.middleware import BodyLimit, RequestContext
from qrpay.api.problems import MEDIA_TYPE, problem_response
from qrpay.api.rate_limit import RateLimit
from qrpay.api.request_limits import HeaderLimit, JsonDepthLimit
from qrpay.api.routes import (
    back_office,
    health,
    merchant,
    notifications,
    operator,
    operator_payments,
    public,
    wallet,
)
from qrpay.api.state import ApiState
from qrpay.domain.errors import QrpayError, RequestInvalid
from qrpay.observability.logs import log
from qrpay.web import pages

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]

DESCRIPTION = """QR-code and wallet payment gateway.

Every POST takes an `Idempotency-Key` header. Amounts are integers in minor units.
Errors are RFC 9457 problem+json documents with a stable `code`.
"""


def create_app(
    state: ApiState, *, lifespan: Lifespan | None = None, web_root: Path = pages.BUILT_DIR
) -> FastAPI:
    """The API, and the built web pages from ``web_root`` (``web/`` builds them there)."""
    app = FastAPI(title="qrpay", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.api = state
    routers = (
        operator.router,
        operator_payments.router,
        merchant.router,
        wallet.router,
        public.router,
        notifications.router,
        back_office.router,
        health.router,
    )
    for router in routers:
        app.include_router(router)
    pages.mount(app, web_root)
    app.add_exception_handler(QrpayError, _domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)
    # Added innermost first. Cheap refusals come before costly ones: headers, then the
    # rate limits, then the body's size, and its depth last, once it is known to be small.
    limits = state.limits
    app.add_middleware(JsonDepthLimit, json_depth_max=limits.json_depth_max)
    app.add_middleware(BodyLimit, request_body_bytes_max=limits.request_body_bytes_max)
    if state.rate_limits is not None:
        app.add_middleware(RateLimit, limits=state.rate_limits)
    app.add_middleware(HeaderLimit, request_header_bytes_max=limits.request_header_bytes_max)
    app.add_middleware(RequestContext)
    return app


async def _domain_error(request: Request, exc: QrpayError) -> Response:
    return problem_response(exc, request.url.path)


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    errors = [
        {"field": ".".join(str(p) for p in err["loc"]), "message": str(err["msg"])}
        for err in exc.errors()
    ]
    return problem_response(
        RequestInvalid("the request does not fit its schema", errors), request.url.path
    )


async def _http_error(request: Request, exc: HTTPException) -> Response:
    code = {404: "resource.not_found", 405: "request.method_not_allowed"}.get(
        exc.status_code, "request.error"
    )
    body: dict[str, Any] = {
        "type": f"https://qrpay.dev/problems/{code}",
        "title": code,
        "status": exc.status_code,
        "detail": str(exc.detail),
        "code": code,
        "instance": request.url.path,
    }
    return Response(orjson.dumps(body), status_code=exc.status_code, media_type=MEDIA_TYPE)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("http.unexpected_error", path=request.url.path)
    body = {
        "type": "https://qrpay.dev/problems/internal",
        "title": "internal",
        "status": 500,
        "detail": "an unexpected error; it has been logged",
        "code": "internal",
    }
    return Response(orjson.dumps(body), status_code=500, media_type=MEDIA_TYPE)
