"""The connector contract: what every network connector offers and what it answers.

A connector declares what it supports in ``Specification.operations`` and raises
``NotSupported`` for the rest. Its answer is a ``ConnectorResult`` whose ``Outcome`` the
router can act on; the network's raw response code and text stay inside the result, which
the payment service keeps on the attempt's record, never in the payment's own status.

Every operation takes a ``PaymentRequest``. Follow-up operations (capture, void, refund of a
captured payment, reverse, inquire) carry the ``NetworkReference`` that the first answer
returned, so a connector finds the original message again without storage of its own.

    QrpayError
    └── ConnectorError                  connector.*
        ├── NotSupported                connector.not_supported
        └── ConnectorUnavailable        connector.unavailable
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from qrpay.domain.errors import QrpayError
from qrpay.domain.ids import AttemptId, MerchantId, PaymentId, WalletId
from qrpay.domain.money import Money


class Outcome(StrEnum):
    APPROVED = "approved"
    DECLINED_HARD = "declined_hard"
    """Refused for a reason no retry changes (stolen card, do not honour): never fail over."""
    DECLINED_SOFT = "declined_soft"
    """Refused or not sent for a reason a retry later or on another route may change."""
    PENDING = "pending"
    """Accepted but not final (a reversal queued for repeats, an asynchronous transfer)."""
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

    def supports(self, operation: Operation) -> bool:
        return operation in self.operations


@dataclass(frozen=True, slots=True)
class CardAcceptor:
    """The merchant's terminal as the acquirer knows it (ISO 8583 fields 41, 42, 18)."""

    terminal_id: str
    """Card acceptor terminal id: 8 characters."""
    acceptor_id: str
    """Card acceptor id code (the acquirer's merchant id): up to 15 characters."""
    mcc: str = ""


@dataclass(frozen=True, slots=True)
class Card:
    """A card credential. Its repr never shows the number; nothing logs it."""

    pan: str = field(repr=False)
    expiry_yymm: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class NetworkReference:
    """What a connector needs to find an earlier message again: kept on the attempt.

    ``reference`` is the network's id (an ISO 8583 retrieval reference number, an ISO
    20022 end-to-end id); ``data`` is connector-specific text the connector wrote itself.
    """

    connector: str
    reference: str
    data: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    payment_id: PaymentId
    attempt_id: AttemptId
    merchant_id: MerchantId
    amount: Money
    payer_wallet_id: WalletId | None
    acceptor: CardAcceptor | None = None
    """Required by card networks; on-us payments leave it out."""
    card: Card | None = None
    original: NetworkReference | None = None
    """Required by capture, void, reverse and inquire: the answer they follow up."""


@dataclass(frozen=True, slots=True)
class ConnectorResult:
    outcome: Outcome
    network_code: str
    """The network's raw response code ("00", "51", "ACSC"); empty when nothing answered."""
    message: str = ""
    reference: NetworkReference | None = None
    authorization_code: str | None = None


@dataclass(frozen=True, slots=True)
class Health:
    up: bool
    latency_ms: int | None
    detail: str = ""


class ConnectorError(QrpayError):
    code = "connector.error"


class NotSupported(ConnectorError):
    """The connector does not offer this operation; ``Specification.operations`` says so."""

    code = "connector.not_supported"

    @classmethod
    def operation(cls, connector: str, operation: Operation) -> NotSupported:
        return cls(f"connector {connector} does not support {operation}")


class ConnectorUnavailable(ConnectorError):
    """The connector cannot take requests now (no identifiers left, closed)."""

    code = "connector.unavailable"


class Connector(Protocol):
    @property
    def spec(self) -> Specification: ...

    async def authorize(self, request: PaymentRequest) -> ConnectorResult: ...
    async def sale(self, request: PaymentRequest) -> ConnectorResult: ...
    async def capture(self, request: PaymentRequest) -> ConnectorResult: ...
    async def void(self, request: PaymentRequest) -> ConnectorResult: ...
    async def refund(self, request: PaymentRequest) -> ConnectorResult: ...
    async def reverse(self, request: PaymentRequest) -> ConnectorResult: ...
    async def inquire(self, request: PaymentRequest) -> ConnectorResult: ...
    async def health(self) -> Health: ...
