"""Run a mutating request at most once per ``Idempotency-Key``.

The key's record is inserted in the same database transaction as the request's effect and
completed with the response before the commit: either both are stored or neither. The same
key with the same request replays the stored response; with another request it is a
conflict; while the first is still running (possible only for requests that span more than
one transaction), a duplicate gets 409. On PostgreSQL a concurrent duplicate waits on the
key's unique index until the first commits, then replays its answer.

Refusals (4xx) are stored too, after the effect's transaction rolled back, so a retry gets
the same answer. Server faults (5xx) are not stored: the client may retry them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Final

import orjson
from starlette.requests import Request
from starlette.responses import Response

from qrpay.api.auth import Principal
from qrpay.api.problems import MEDIA_TYPE, problem_body, status_for
from qrpay.api.state import ApiState
from qrpay.domain.errors import (
    ExistsWithDifferentRequest,
    IdempotencyKeyInvalid,
    IdempotencyKeyMissing,
    QrpayError,
    RequestInProgress,
)
from qrpay.domain.idempotency import IDEMPOTENCY_KEY_CHARS_MAX, IdempotencyRecord, fingerprint
from qrpay.services.unit_of_work import UnitOfWork

HEADER: Final = "Idempotency-Key"
REPLAYED_HEADER: Final = "Idempotent-Replayed"

Work = Callable[[UnitOfWork], Awaitable[tuple[int, bytes]]]


def _key(request: Request) -> str:
    key = request.headers.get(HEADER)
    if key is None:
        raise IdempotencyKeyMissing(f"every POST needs an {HEADER} header")
    if not 1 <= len(key) <= IDEMPOTENCY_KEY_CHARS_MAX or not key.isascii() or not key.isprintable():
        raise IdempotencyKeyInvalid(f"{HEADER} must be 1 to 255 printable ASCII characters")
    return key


async def run_idempotent(
    request: Request, state: ApiState, principal: Principal, work: Work
) -> Response:
    key = _key(request)
    body = await request.body()
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    now = state.ctx.now()
    record = IdempotencyRecord(
        scope=principal.scope,
        key=key,
        fingerprint=fingerprint(request.method, target, body),
        created_at=now,
        expires_at=now + timedelta(seconds=state.limits.idempotency_ttl_s),
    )
    refusal: QrpayError | None = None
    async with state.ctx.uow() as uow:
        existing = await uow.idempotency.begin(record)
        if existing is None:
            try:
                status, content = await work(uow)
            except QrpayError as exc:
                refusal = exc  # leaving the block rolls the effect back
            else:
                await uow.idempotency.complete(record.scope, record.key, status, content)
                await uow.commit()
                return Response(content, status_code=status, media_type="application/json")
    if existing is not None:
        return _replay(existing, record)
    assert refusal is not None
    status = status_for(type(refusal)) or 500
    if status >= 500:
        raise refusal
    content = orjson.dumps(problem_body(refusal, status, request.url.path))
    return await _remember_refusal(state, record, status, content)


async def _remember_refusal(
    state: ApiState, record: IdempotencyRecord, status: int, content: bytes
) -> Response:
    async with state.ctx.uow() as uow:
        existing = await uow.idempotency.begin(record)
        if existing is not None:
            # A duplicate ran while we rolled back; its answer is the first one.
            return _replay(existing, record)
        await uow.idempotency.complete(record.scope, record.key, status, content)
        await uow.commit()
    return Response(content, status_code=status, media_type=MEDIA_TYPE)


def _replay(existing: IdempotencyRecord, request: IdempotencyRecord) -> Response:
    if existing.fingerprint != request.fingerprint:
        raise ExistsWithDifferentRequest(
            f"{HEADER} {request.key!r} was used for a different request"
        )
    if existing.response_status is None or existing.response_body is None:
        raise RequestInProgress(f"the request with {HEADER} {request.key!r} is still running")
    media = MEDIA_TYPE if existing.response_status >= 400 else "application/json"
    return Response(
        existing.response_body,
        status_code=existing.response_status,
        media_type=media,
        headers={REPLAYED_HEADER: "true"},
    )
