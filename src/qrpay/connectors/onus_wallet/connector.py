"""On-us wallet connector: a closed loop, so it approves what the ledger can carry.

The money moves in the gateway's own ledger, in the same database transaction as the
payment (the payment service posts it), so this connector has no wire protocol. It still
answers like any other network, so routing and the payment timeline treat it the same.
Only a sale and its refund exist here: there is no hold to capture, void or reverse.
"""

from __future__ import annotations

from typing import Final

from qrpay.connectors.base import (
    ConnectorResult,
    Health,
    NotSupported,
    Operation,
    Outcome,
    PaymentRequest,
    Specification,
)

NAME: Final = "onus"


class OnusWalletConnector:
    spec: Final = Specification(
        name=NAME,
        operations=frozenset({Operation.SALE, Operation.REFUND}),
        closed_loop=True,
    )

    async def sale(self, request: PaymentRequest) -> ConnectorResult:
        assert request.amount.amount_minor > 0
        return ConnectorResult(Outcome.APPROVED, "00", "approved in the on-us ledger")

    async def refund(self, request: PaymentRequest) -> ConnectorResult:
        assert request.amount.amount_minor > 0
        return ConnectorResult(Outcome.APPROVED, "00", "refunded in the on-us ledger")

    async def authorize(self, request: PaymentRequest) -> ConnectorResult:
        raise NotSupported.operation(NAME, Operation.AUTHORIZE)

    async def capture(self, request: PaymentRequest) -> ConnectorResult:
        raise NotSupported.operation(NAME, Operation.CAPTURE)

    async def void(self, request: PaymentRequest) -> ConnectorResult:
        raise NotSupported.operation(NAME, Operation.VOID)

    async def reverse(self, request: PaymentRequest) -> ConnectorResult:
        raise NotSupported.operation(NAME, Operation.REVERSE)

    async def inquire(self, request: PaymentRequest) -> ConnectorResult:
        raise NotSupported.operation(NAME, Operation.INQUIRE)

    async def health(self) -> Health:
        return Health(up=True, latency_ms=0, detail="in-process ledger")
