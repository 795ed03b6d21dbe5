"""The connector contract: what every network connector offers and what it answers.

A connector declares what it supports and raises ``NotSupported`` for the rest. Its answer
is an ``Outcome`` the router can act on; the network's raw response code stays inside the
``ConnectorResult`` kept on the attempt, never in the payment's own status.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from qrpay.domain.errors import QrpayError
from qrpay.domain.ids import AttemptId, MerchantId, PaymentId, WalletId
from qrpay.domain.money import Money


class Outcome(StrEnum):
    APPROVED = "approved"
    DECLINED_HARD = "declined_hard"
    DECLINED_SOFT = "declined_soft"
    PENDING = "pending"
    UNKNOWN = "unknown"
    """No answer (timeout, lost connection): the money may or may not have moved."""


class Operation(StrEnum):
    AUTHORIZE = "authorize"
    SALE = "sale"
    CAPTURE = "capture"
    VOID = "void"
    REFUND = "refund"
    REVERSE = "reverse"
    INQUIRE = "inquire"


@dataclass(frozen=True, slots=True)
class Specification:
    name: str
    operations: frozenset[Operation]
    closed_loop: bool
    """The network is the gateway's own ledger: the money moves in the same transaction."""


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    payment_id: PaymentId
    attempt_id: AttemptId
    merchant_id: MerchantId
    amount: Money
    payer_wallet_id: WalletId | None


@dataclass(frozen=True, slots=True)
class ConnectorResult:
    outcome: Outcome
    network_code: str
    message: str = ""


class NotSupported(QrpayError):
    code = "connector.not_supported"


class Connector(Protocol):
    @property
    def spec(self) -> Specification: ...

    async def sale(self, request: PaymentRequest) -> ConnectorResult: ...
    async def refund(self, request: PaymentRequest) -> ConnectorResult: ...
