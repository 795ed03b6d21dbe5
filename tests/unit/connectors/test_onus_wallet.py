"""The on-us connector answers the full contract: sale and refund, NotSupported for the rest."""

from __future__ import annotations

import pytest

from qrpay.connectors.base import Connector, NotSupported, Operation, Outcome, PaymentRequest
from qrpay.connectors.onus_wallet.connector import OnusWalletConnector
from qrpay.domain.ids import AttemptId, MerchantId, PaymentId, WalletId
from qrpay.domain.money import Money

REQUEST = PaymentRequest(
    PaymentId("pay_1"), AttemptId("att_1"), MerchantId("mer_1"), Money.of(100, "THB"), WalletId("w")
)


def test_declares_only_sale_and_refund() -> None:
    connector: Connector = OnusWalletConnector()

    assert connector.spec.operations == {Operation.SALE, Operation.REFUND}
    assert connector.spec.supports(Operation.SALE)
    assert not connector.spec.supports(Operation.AUTHORIZE)


async def test_sale_and_refund_are_approved_with_a_raw_code() -> None:
    connector = OnusWalletConnector()

    sale = await connector.sale(REQUEST)
    refund = await connector.refund(REQUEST)

    assert (sale.outcome, sale.network_code) == (Outcome.APPROVED, "00")
    assert (refund.outcome, refund.network_code) == (Outcome.APPROVED, "00")


@pytest.mark.parametrize("operation", ["authorize", "capture", "void", "reverse", "inquire"])
async def test_undeclared_operations_raise_not_supported(operation: str) -> None:
    connector = OnusWalletConnector()

    with pytest.raises(NotSupported, match=operation):
        await getattr(connector, operation)(REQUEST)


async def test_health_is_up() -> None:
    assert (await OnusWalletConnector().health()).up
