"""On-us wallet connector: a closed loop, so it approves what the ledger can carry.

The money moves in the gateway's own ledger, in the same database transaction as the
payment (the payment service posts it), so this connector has no wire protocol. It still
answers like any other network, so routing and the payment timeline treat it the same.
"""

from __future__ import annotations

from typing import Final

from qrpay.connectors.base import (
    ConnectorResult,
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
