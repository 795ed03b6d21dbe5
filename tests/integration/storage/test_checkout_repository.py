"""The checkout repository: read back equal; paid once, while open and unexpired."""

from __future__ import annotations

from datetime import timedelta

import pytest

from qrpay.adapters.db.store import SqlStore
from qrpay.domain.checkouts import Checkout, CheckoutStatus
from qrpay.domain.ids import CheckoutId, PaymentId
from tests import builders
from tests.integration.storage.conftest import Parties


async def _stored(store: SqlStore, checkout: Checkout) -> Checkout:
    async with store() as uow:
        found = await uow.checkouts.get(checkout.id)
    assert found is not None
    return found


async def test_a_checkout_reads_back_equal(sql_store: SqlStore, parties: Parties) -> None:
    checkout = builders.checkout(parties.merchant.id)
    async with sql_store() as uow:
        await uow.checkouts.add(checkout)
        await uow.commit()
    assert await _stored(sql_store, checkout) == checkout
    async with sql_store() as uow:
        assert await uow.checkouts.get(CheckoutId("chk_missing")) is None


@pytest.mark.parametrize(
    ("seconds_before_expiry", "paid"),
    [(1, True), (0, False), (-1, False)],
    ids=["open", "expiring-now", "expired"],
)
async def test_mark_paid_takes_an_open_unexpired_checkout(
    sql_store: SqlStore, parties: Parties, seconds_before_expiry: int, paid: bool
) -> None:
    checkout = builders.checkout(parties.merchant.id)
    now = checkout.expires_at - timedelta(seconds=seconds_before_expiry)
    async with sql_store() as uow:
        await uow.checkouts.add(checkout)
        assert await uow.checkouts.mark_paid(checkout.id, PaymentId("pay_1"), now) is paid
        await uow.commit()
    stored = await _stored(sql_store, checkout)
    assert stored.status is (CheckoutStatus.PAID if paid else CheckoutStatus.OPEN)
    assert stored.payment_id == (PaymentId("pay_1") if paid else None)


async def test_a_checkout_is_paid_once(sql_store: SqlStore, parties: Parties) -> None:
    checkout = builders.checkout(parties.merchant.id)
    async with sql_store() as uow:
        await uow.checkouts.add(checkout)
        assert await uow.checkouts.mark_paid(checkout.id, PaymentId("pay_1"), builders.NOW)
        await uow.commit()
    async with sql_store() as uow:
        assert not await uow.checkouts.mark_paid(checkout.id, PaymentId("pay_2"), builders.NOW)
        assert not await uow.checkouts.mark_paid(
            CheckoutId("chk_missing"), PaymentId("pay_2"), builders.NOW
        )
    assert (await _stored(sql_store, checkout)).payment_id == PaymentId("pay_1")
