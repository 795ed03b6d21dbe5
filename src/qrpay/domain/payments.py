"""Payments: one intent, one or more attempts, and one transition table.

A payment is what the payer and merchant see; an attempt is one try on one network. The
status moves only along ``TRANSITIONS``; any other move raises ``InvalidTransition``.
Refunds never exceed what was captured, and the status follows the refunded total.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from qrpay.domain.errors import InvalidTransition, NotRefundable, RefundExceedsCaptured
from qrpay.domain.ids import AttemptId, CheckoutId, MerchantId, PaymentId, RefundId, WalletId
from qrpay.domain.money import Money


class PaymentStatus(StrEnum):
    REQUIRES_CONFIRMATION = "requires_confirmation"
    PROCESSING = "processing"
    AUTHORIZED = "authorized"
    SUCCEEDED = "succeeded"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    FAILED = "failed"
    CANCELED = "canceled"


S = PaymentStatus
TRANSITIONS: Final[dict[PaymentStatus, frozenset[PaymentStatus]]] = {
    S.REQUIRES_CONFIRMATION: frozenset({S.PROCESSING, S.CANCELED}),
    S.PROCESSING: frozenset({S.AUTHORIZED, S.SUCCEEDED, S.FAILED}),
    S.AUTHORIZED: frozenset({S.SUCCEEDED, S.CANCELED, S.FAILED}),
    S.SUCCEEDED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.PARTIALLY_REFUNDED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.REFUNDED: frozenset(),
    S.FAILED: frozenset(),
    S.CANCELED: frozenset(),
}
REFUNDABLE: Final = frozenset({S.SUCCEEDED, S.PARTIALLY_REFUNDED})
CAPTURED: Final = frozenset({S.SUCCEEDED, S.PARTIALLY_REFUNDED, S.REFUNDED})
"""The money moved at some point: what a success rate counts as a success."""


class PaymentSource(StrEnum):
    QR = "qr"
    """The payer scanned a merchant-presented code."""
    CPM = "cpm"
    """The merchant scanned the payer's consumer-presented code."""


class AttemptStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Attempt:
    id: AttemptId
    connector: str
    status: AttemptStatus
    created_at: datetime
    network_code: str | None = None


class RefundStatus(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    PENDING = "pending"
    """Sent to a network that has not answered yet (services/refunds.py settles it)."""


@dataclass(frozen=True, slots=True)
class Refund:
    id: RefundId
    payment_id: PaymentId
    amount: Money
    status: RefundStatus
    created_at: datetime


@dataclass(slots=True)
class Payment:
    id: PaymentId
    merchant_id: MerchantId
    amount: Money
    source: PaymentSource
    status: PaymentStatus
    created_at: datetime
    wallet_id: WalletId | None = None
    checkout_id: CheckoutId | None = None
    amount_captured_minor: int = 0
    amount_refunded_minor: int = 0
    route: dict[str, Any] | None = None
    attempts: list[Attempt] = field(default_factory=list)

    def move_to(self, status: PaymentStatus) -> None:
        if status not in TRANSITIONS[self.status]:
            raise InvalidTransition(f"payment {self.id} cannot go from {self.status} to {status}")
        self.status = status

    def succeed(self) -> None:
        self.move_to(S.SUCCEEDED)
        self.amount_captured_minor = self.amount.amount_minor

    @property
    def refundable_minor(self) -> int:
        return self.amount_captured_minor - self.amount_refunded_minor

    def refund(self, amount: Money) -> None:
        """Record a refund of ``amount``; the caller moves the money in the same unit of work."""
        if self.status not in REFUNDABLE:
            raise NotRefundable(
                f"payment {self.id} is {self.status}; only a captured payment refunds"
            )
        if amount.currency != self.amount.currency:
            raise RefundExceedsCaptured(
                f"refund in {amount.currency.code} of a {self.amount.currency.code} payment"
            )
        if amount.amount_minor > self.refundable_minor:
            left = self.refundable_minor
            raise RefundExceedsCaptured(
                f"refund of {amount.amount_minor} exceeds the {left} left to refund"
            )
        self.amount_refunded_minor += amount.amount_minor
        done = self.amount_refunded_minor == self.amount_captured_minor
        self.move_to(S.REFUNDED if done else S.PARTIALLY_REFUNDED)
        assert 0 < self.amount_refunded_minor <= self.amount_captured_minor


class PaymentEventKind(StrEnum):
    CREATED = "payment.created"
    ROUTE_DECIDED = "payment.route_decided"
    ATTEMPT = "payment.attempt"
    SUCCEEDED = "payment.succeeded"
    FAILED = "payment.failed"
    REFUNDED = "payment.refunded"


@dataclass(frozen=True, slots=True)
class PaymentEvent:
    """One entry on a payment's timeline."""

    payment_id: PaymentId
    kind: PaymentEventKind
    data: dict[str, Any]
    created_at: datetime
