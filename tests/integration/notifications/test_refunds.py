"""Refunds and voids through the carrying connector, on both databases.

On-us with the real wallet connector; card and instant with a scripted connector. A refund
the network rejects leaves the ledger and the payment untouched and says why.
"""

from __future__ import annotations

from qrpay.adapters.db.store import SqlStore
from qrpay.connectors.base import NetworkReference, Operation, Outcome
from qrpay.domain.currency import currency
from qrpay.domain.events import EventType
from qrpay.domain.ids import AttemptId, PaymentId, TransferId
from qrpay.domain.ledger import Account, AccountKind, Transfer, TransferCode, TransferStatus
from qrpay.domain.money import Money
from qrpay.domain.payments import (
    Attempt,
    AttemptStatus,
    Payment,
    PaymentSource,
    PaymentStatus,
    RefundStatus,
)
from qrpay.services.back_office import clearing_account_id
from qrpay.services.refunds import NetworkRefund, refund_through_network, void_through_network
from tests.fakes.connector import FakeConnector
from tests.fakes.context import Harness, harness
from tests.notifications import Shop, open_shop, pay_checkout

REF = NetworkReference("acquirer", "R0001")


async def _card_payment(
    h: Harness, shop: Shop, status: PaymentStatus, amount: int = 5000
) -> Payment:
    """A payment the acquirer carried, its money already in the merchant's account."""
    now = h.clock.now()
    approved = Attempt(AttemptId(h.ctx.ids.new("att")), "acquirer", AttemptStatus.APPROVED, now)
    payment = Payment(
        PaymentId(h.ctx.ids.new("pay")),
        shop.merchant.id,
        Money(amount, currency("THB")),
        PaymentSource.CPM,
        status,
        now,
        amount_captured_minor=amount if status is PaymentStatus.SUCCEEDED else 0,
        attempts=[approved],
    )
    clearing = clearing_account_id("acquirer", "THB")
    async with h.ctx.uow() as uow:
        await uow.payments.add(payment)
        await uow.ledger.open_accounts([Account(clearing, AccountKind.CLEARING, "THB")])
        money = Transfer(
            TransferId(h.ctx.ids.new("trf")),
            clearing,
            shop.merchant.account_id,
            amount,
            "THB",
            TransferCode.PAYMENT,
            TransferStatus.POSTED,
            now,
            amount_posted_minor=amount,
            payment_id=payment.id,
        )
        await uow.ledger.create_transfers([money])
        await uow.commit()
    return payment


def _with_acquirer(h: Harness) -> FakeConnector:
    acquirer = FakeConnector("acquirer")
    h.ctx.connectors["acquirer"] = acquirer
    return acquirer


async def _balances(h: Harness, shop: Shop) -> tuple[int, int]:
    clearing = clearing_account_id("acquirer", "THB")
    async with h.ctx.uow() as uow:
        found = await uow.ledger.get_accounts([shop.merchant.account_id, clearing])
    return found[shop.merchant.account_id].balance_minor, found[clearing].balance_minor


async def test_an_on_us_refund_is_a_reversal_in_the_ledger(sql_store: SqlStore) -> None:
    h = harness(store=sql_store)
    shop = await open_shop(h.ctx, balance_minor=20_000)
    payment = await pay_checkout(h.ctx, shop, 12_050)
    outcome = await refund_through_network(
        h.ctx, NetworkRefund(shop.merchant.id, payment.id, 2_050)
    )
    assert outcome.refund.status is RefundStatus.SUCCEEDED
    assert outcome.payment.status is PaymentStatus.PARTIALLY_REFUNDED
    async with h.ctx.uow() as uow:
        wallet = (await uow.ledger.get_accounts([shop.wallet.account_id]))[shop.wallet.account_id]
        told = await uow.events.publish_next(h.clock.now(), 10)
    assert wallet.balance_minor == 20_000 - 12_050 + 2_050
    assert told[-1].event.type is EventType.PAYMENT_REFUNDED


async def test_a_card_refund_the_acquirer_declines_changes_nothing_and_says_why(
    sql_store: SqlStore,
) -> None:
    h = harness(store=sql_store)
    shop = await open_shop(h.ctx)
    acquirer = _with_acquirer(h)
    payment = await _card_payment(h, shop, PaymentStatus.SUCCEEDED)
    acquirer.answer(Operation.REFUND, Outcome.DECLINED_HARD, "57", "transaction not permitted")
    before = await _balances(h, shop)
    outcome = await refund_through_network(
        h.ctx, NetworkRefund(shop.merchant.id, payment.id, 5000, REF)
    )
    # then the ledger and the payment are untouched, the refund is failed with the reason
    assert outcome.refund.status is RefundStatus.FAILED
    assert outcome.reason == "declined_hard (57) transaction not permitted"
    assert await _balances(h, shop) == before
    async with h.ctx.uow() as uow:
        stored = await uow.payments.get(payment.id)
        refunds = await uow.payments.refunds(payment.id)
        told = await uow.events.publish_next(h.clock.now(), 10)
    assert stored is not None
    assert (stored.status, stored.amount_refunded_minor) == (PaymentStatus.SUCCEEDED, 0)
    assert [r.status for r in refunds] == [RefundStatus.FAILED]
    assert [e.event.type for e in told] == [EventType.REFUND_FAILED]
    assert told[0].event.data["reason"] == outcome.reason
    # and the network saw the refund's own id, with the original's reference
    operation, request = acquirer.requests[0]
    assert operation is Operation.REFUND
    assert str(request.attempt_id) == outcome.refund.id
    assert request.original == REF


async def test_an_approved_card_refund_moves_money_back_through_clearing(
    sql_store: SqlStore,
) -> None:
    h = harness(store=sql_store)
    shop = await open_shop(h.ctx)
    acquirer = _with_acquirer(h)
    payment = await _card_payment(h, shop, PaymentStatus.SUCCEEDED)
    acquirer.answer(Operation.REFUND, Outcome.APPROVED)
    outcome = await refund_through_network(
        h.ctx, NetworkRefund(shop.merchant.id, payment.id, 5000, REF)
    )
    assert outcome.payment.status is PaymentStatus.REFUNDED
    assert await _balances(h, shop) == (0, 0)


async def test_a_refund_without_an_answer_is_pending_and_moves_nothing(
    sql_store: SqlStore,
) -> None:
    h = harness(store=sql_store)
    shop = await open_shop(h.ctx)
    acquirer = _with_acquirer(h)
    payment = await _card_payment(h, shop, PaymentStatus.SUCCEEDED)
    acquirer.answer(Operation.REFUND, Outcome.UNKNOWN, "", "no answer")
    before = await _balances(h, shop)
    outcome = await refund_through_network(
        h.ctx, NetworkRefund(shop.merchant.id, payment.id, 1000, REF)
    )
    assert outcome.refund.status is RefundStatus.PENDING
    assert await _balances(h, shop) == before
    async with h.ctx.uow() as uow:
        assert await uow.events.unpublished() == 0


async def test_a_void_cancels_an_authorized_payment(sql_store: SqlStore) -> None:
    h = harness(store=sql_store)
    shop = await open_shop(h.ctx)
    acquirer = _with_acquirer(h)
    payment = await _card_payment(h, shop, PaymentStatus.AUTHORIZED, amount=1)
    acquirer.answer(Operation.VOID, Outcome.APPROVED)
    async with h.ctx.uow() as uow:
        voided, _ = await void_through_network(h.ctx, uow, shop.merchant.id, payment.id, REF)
        await uow.commit()
    assert voided.status is PaymentStatus.CANCELED
