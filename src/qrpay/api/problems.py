"""Domain errors as RFC 9457 problem+json, in one table.

Every ``QrpayError`` subclass must resolve to a status through ``STATUS`` without falling
back to the root class; a test walks the whole tree so a new error cannot ship unmapped.
The body's ``code`` is the error's stable code; the message is the one the domain wrote.
"""

from __future__ import annotations

from typing import Any, Final

import orjson
from starlette.responses import Response

from qrpay.connectors.base import ConnectorError, ConnectorUnavailable, NotSupported
from qrpay.domain import errors as e

PROBLEM_TYPE_BASE: Final = "https://qrpay.dev/problems/"
MEDIA_TYPE: Final = "application/problem+json"

STATUS: Final[dict[type[e.QrpayError], int]] = {
    e.QrError: 422,
    e.QrImageError: 422,
    e.MoneyError: 422,
    e.LedgerError: 422,
    e.PaymentError: 422,
    e.CheckoutError: 409,
    e.AuthError: 401,
    e.IdempotencyError: 400,
    e.StorageError: 503,
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


def problem_response(error: e.QrpayError, instance: str | None = None) -> Response:
    status = status_for(type(error)) or 500
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    content = orjson.dumps(problem_body(error, status, instance))
    return Response(content, status_code=status, media_type=MEDIA_TYPE, headers=headers)
