"""The outbox on both databases: events commit with their change, publish in order once."""

from __future__ import annotations

from qrpay.adapters.db.store import SqlStore
from qrpay.domain.events import EventType
from qrpay.services import checkouts, payments
from qrpay.services.delivery import relay_once
from tests.fakes.context import harness
from tests.notifications import open_shop, pay_checkout


async def test_a_payment_commits_its_events_and_a_rolled_back_one_leaves_none(
    sql_store: SqlStore,
) -> None:
    h = harness(store=sql_store)
    shop = await open_shop(h.ctx)
    # given a payment whose unit of work is left without commit
    async with h.ctx.uow() as uow:
        created = await checkouts.create_checkout(
            h.ctx, uow, checkouts.CreateCheckout(shop.merchant.id, 500, "THB", "ROLLED-BACK")
        )
        await payments.pay_qr(h.ctx, uow, payments.PayQr(shop.wallet.id, created.qr_payload))
        assert await uow.events.unpublished() == 2  # seen inside its own transaction
    # then nothing of it, events included, is stored
    async with h.ctx.uow() as uow:
        assert await uow.events.unpublished() == 0
    # when a payment commits, its two events commit with it
    payment = await pay_checkout(h.ctx, shop)
    assert await relay_once(h.ctx) == 2
    async with h.ctx.uow() as uow:
        found = await uow.events.page(shop.merchant.id, after_position=None, types=[], limit=10)
    assert [e.event.type for e in found] == [
        EventType.PAYMENT_SUCCEEDED,
        EventType.CHECKOUT_COMPLETED,
    ]
    assert found[0].event.object_id == payment.id
    assert [e.position for e in found] == [1, 2]
    assert await relay_once(h.ctx) == 0


async def test_events_page_by_position_with_a_type_filter(sql_store: SqlStore) -> None:
    h = harness(store=sql_store)
    shop = await open_shop(h.ctx)
    for _ in range(3):
        await pay_checkout(h.ctx, shop)
    await relay_once(h.ctx)
    async with h.ctx.uow() as uow:
        first = await uow.events.page(
            shop.merchant.id, after_position=None, types=[EventType.PAYMENT_SUCCEEDED], limit=2
        )
        rest = await uow.events.page(
            shop.merchant.id,
            after_position=first[-1].position,
            types=[EventType.PAYMENT_SUCCEEDED],
            limit=10,
        )
    assert len(first) == 2
    assert len(rest) == 1
    assert {e.event.type for e in first + rest} == {EventType.PAYMENT_SUCCEEDED}
