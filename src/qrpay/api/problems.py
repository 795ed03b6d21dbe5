"""Domain errors as RFC 9457 problem+json, in one table.

Every ``QrpayError`` subclass must resolve to a status through ``STATUS`` without falling
back to the root class; a test walks the whole tree so a new error cannot ship unmapped.
The body's ``code`` is the error's stable code; the message is the one the domain wrote.
"""

from __future__ import annotations

import math
from typing import Any, Final

import orjson
from starlette.responses import Response
from starlette.types import Send

from qrpay.connectors.base import ConnectorError, ConnectorUnavailable, NotSupported
from qrpay.domain import errors as e

PROBLEM_TYPE_BASE: Final = "https://qrpay.dev/problems/"
MEDIA_TYPE: Final = "application/problem+json"

STATUS: Final[dict[type[e.QrpayError], int]] = {
    e.QrError: 422,
    e.QrImageError: 422,
    e.MoneyError: 422,
    e.FxError: 422,
    e.RateNotFound: 422,
    e.RateInvalid: 422,
    e.QuoteExpired: 409,
    e.LedgerError: 422,
    e.PaymentError: 422,
    e.CheckoutError: 409,
    e.AuthError: 401,
    e.IdempotencyError: 400,
    e.StorageError: 503,
    e.SessionError: 503,
    ConnectorError: 503,
    NotSupported: 422,
    ConnectorUnavailable: 503,
    e.InsufficientFunds: 402,
    e.AccountNotFound: 404,
    e.TransferNotPending: 409,
    e.TransferInvalid: 422,
    e.InvalidTransition: 409,
    e.NoRoute: 422,
    e.AmountRequired: 422,
    e.AmountMismatch: 422,
    e.RefundExceedsCaptured: 422,
    e.NotRefundable: 409,
    e.CpmTokenUnusable: 409,
    e.Declined: 402,
    e.CheckoutExpired: 409,
    e.CheckoutAlreadyPaid: 409,
    e.CheckoutNotOpen: 409,
    e.NotFound: 404,
    e.Unauthenticated: 401,
    e.Forbidden: 403,
    e.IdempotencyKeyMissing: 400,
    e.IdempotencyKeyInvalid: 400,
    e.ExistsWithDifferentRequest: 422,
    e.RequestInProgress: 409,
    e.RequestInvalid: 422,
    e.RequestTooLarge: 413,
    e.NotMigrated: 503,
    e.Unavailable: 503,
    e.HeadersTooLarge: 431,
    e.JsonTooDeep: 422,
    e.RateLimited: 429,
    # A key-store failure the caller did not cause means the server cannot serve now.
    e.KeyStoreError: 503,
    e.KeyNameInvalid: 422,
    e.KeyNotFound: 503,
    e.KeyExists: 409,
    e.KeyKindMismatch: 503,
    e.KeyStoreUnavailable: 503,
    e.VersionIsCurrent: 409,
    # These three judge data the caller sent (a signed reference, a sealed value).
    e.KeyRetired: 422,
    e.VerificationFailed: 422,
    e.DecryptionFailed: 422,
    e.TlsConfigInvalid: 503,
    e.CardError: 422,
    e.CardNumberInvalid: 422,
    e.CardTokenUnknown: 404,
    # The audit log cannot be trusted or written: the operation must not go on unrecorded.
    e.AuditError: 503,
    e.AuditChainBroken: 503,
    e.AuditEntryUnreadable: 503,
    e.AuditAppendConflict: 503,
    e.WebhookError: 422,
    e.WebhookEndpointsFull: 409,
    e.BackOfficeError: 422,
}


def status_for(error_type: type[e.QrpayError]) -> int | None:
    """The status of the nearest mapped class, or None when only the root would match."""
    for klass in error_type.__mro__:
        if klass is e.QrpayError:
            return None
        if klass in STATUS:
            return STATUS[klass]
    return None


def problem_body(error: e.QrpayError, status: int, instance: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + error.code,
        "title": error.code,
        "status": status,
        "detail": error.message,
        "code": error.code,
    }
    if instance is not None:
        body["instance"] = instance
    if isinstance(error, e.QrError):
        body["field"] = error.field
        body["position"] = error.position
    if isinstance(error, e.RequestInvalid) and error.errors:
        body["errors"] = error.errors
    return body


def problem_headers(error: e.QrpayError, status: int) -> dict[str, str]:
    """Headers a status needs beside the body: a Bearer challenge, a Retry-After."""
    headers: dict[str, str] = {}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(error, e.RateLimited):
        # Whole seconds, rounded up, so a client that waits exactly this long gets through.
        headers["Retry-After"] = str(max(1, math.ceil(error.retry_after_s)))
    return headers


def problem_response(error: e.QrpayError, instance: str | None = None) -> Response:
    status = status_for(type(error)) or 500
    content = orjson.dumps(problem_body(error, status, instance))
    headers = problem_headers(error, status)
    return Response(content, status_code=status, media_type=MEDIA_TYPE, headers=headers)


async def send_problem(send: Send, error: e.QrpayError, instance: str | None = None) -> None:
    """Answer from plain ASGI middleware, before the application (and its handlers) runs."""
    status = status_for(type(error)) or 500
    headers = [(b"content-type", MEDIA_TYPE.encode()), (b"connection", b"close")]
    headers += [(k.lower().encode(), v.encode()) for k, v in problem_headers(error, status).items()]
    body = orjson.dumps(problem_body(error, status, instance))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
