"""The payment repository: payments read back equal, refunds guarded, token claims once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from qrpay.adapters.db.store import SqlStore
from qrpay.domain.ids import PaymentId, RefundId
from qrpay.domain.money import Money
from qrpay.domain.payments import (
    AttemptStatus,
    Payment,
    PaymentEvent,
    PaymentEventKind,
    PaymentSource,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from qrpay.services.unit_of_work import PaymentFilter
from tests import builders
from tests.integration.storage.conftest import Parties


def _captured(parties: Parties, amount_minor: int = 1_000, **fields: Any) -> Payment:
    fields.setdefault("wallet_id", parties.wallet.id)
    payment = builders.payment(parties.merchant.id, amount_minor=amount_minor, **fields)
    payment.attempts.append(builders.attempt())
    payment.succeed()
    return payment


def _refund(payment: Payment, amount_minor: int) -> Refund:
    return Refund(
        RefundId(builders.next_id("ref")),
        payment.id,
        Money.of(amount_minor, "THB"),
        RefundStatus.SUCCEEDED,
        builders.NOW,
    )


async def _add(store: SqlStore, *payments: Payment) -> None:
    async with store() as uow:
        for payment in payments:
            await uow.payments.add(payment)
        await uow.commit()


async def _get(store: SqlStore, payment_id: PaymentId) -> Payment | None:
    async with store() as uow:
        return await uow.payments.get(payment_id)


async def test_a_payment_reads_back_equal(sql_store: SqlStore, parties: Parties) -> None:
    payment = builders.payment(
        parties.merchant.id,
        parties.wallet.id,
        route={"chosen": "onus", "candidates": [{"network": "onus", "score": 1}], "note": "ไทย"},
        attempts=[
            builders.attempt(AttemptStatus.UNKNOWN, network_code=None),
            builders.attempt(AttemptStatus.APPROVED),
        ],
        source=PaymentSource.CPM,
    )
    bare = builders.payment(parties.merchant.id, None)
    await _add(sql_store, payment, bare)
    assert await _get(sql_store, payment.id) == payment
    assert await _get(sql_store, bare.id) == bare
    assert await _get(sql_store, PaymentId("pay_missing")) is None


async def test_update_status_stores_status_capture_route_and_attempts(
    sql_store: SqlStore, parties: Parties
) -> None:
    payment = builders.payment(parties.merchant.id, parties.wallet.id)
    payment.attempts.append(builders.attempt(AttemptStatus.PENDING))
    await _add(sql_store, payment)
    # the first attempt's outcome arrives, a second attempt is made, and it succeeds
    payment.attempts[0] = builders.attempt(
        AttemptStatus.DECLINED, id=payment.attempts[0].id, network_code="51"
    )
    payment.attempts.append(builders.attempt(AttemptStatus.APPROVED))
    payment.route = {"chosen": "acquirer"}
    payment.succeed()
    async with sql_store() as uow:
        await uow.payments.update_status(payment)
        await uow.commit()
    assert await _get(sql_store, payment.id) == payment


async def test_refunds_raise_the_total_and_set_the_status(
    sql_store: SqlStore, parties: Parties
) -> None:
    payment = _captured(parties)
    await _add(sql_store, payment)
    first, second = _refund(payment, 400), _refund(payment, 600)
    async with sql_store() as uow:
        assert await uow.payments.apply_refund(first, PaymentStatus.PARTIALLY_REFUNDED)
        await uow.commit()
    stored = await _get(sql_store, payment.id)
    assert stored is not None
    assert (stored.amount_refunded_minor, stored.status) == (400, PaymentStatus.PARTIALLY_REFUNDED)
    async with sql_store() as uow:
        assert await uow.payments.apply_refund(second, PaymentStatus.REFUNDED)
        await uow.commit()
    async with sql_store() as uow:
        stored = await uow.payments.get(payment.id)
        refunds = await uow.payments.refunds(payment.id)
    assert stored is not None
    assert (stored.amount_refunded_minor, stored.status) == (1_000, PaymentStatus.REFUNDED)
    assert refunds == [first, second]


async def test_a_stale_status_from_the_caller_does_not_win(
    sql_store: SqlStore, parties: Parties
) -> None:
    # given two refunds of half, each computed "partially refunded" from what it read
    payment = _captured(parties)
    await _add(sql_store, payment)
    async with sql_store() as uow:
        for half in (_refund(payment, 500), _refund(payment, 500)):
            assert await uow.payments.apply_refund(half, PaymentStatus.PARTIALLY_REFUNDED)
        await uow.commit()
    # then the stored status follows the stored total
    stored = await _get(sql_store, payment.id)
    assert stored is not None
    assert stored.status is PaymentStatus.REFUNDED


@pytest.mark.parametrize("case", ["beyond-capture", "not-captured", "other-currency"])
async def test_a_refund_the_guard_refuses_stores_nothing(
    sql_store: SqlStore, parties: Parties, case: str
) -> None:
    captured = _captured(parties)
    processing = builders.payment(parties.merchant.id, parties.wallet.id, 1_000)
    await _add(sql_store, captured, processing)
    refund = {
        "beyond-capture": _refund(captured, 1_001),
        "not-captured": _refund(processing, 1),
        "other-currency": Refund(
            RefundId("ref_usd"),
            captured.id,
            Money.of(1, "USD"),
            RefundStatus.SUCCEEDED,
            builders.NOW,
        ),
    }[case]
    async with sql_store() as uow:
        assert not await uow.payments.apply_refund(refund, PaymentStatus.PARTIALLY_REFUNDED)
        await uow.commit()
    async with sql_store() as uow:
        assert await uow.payments.refunds(refund.payment_id) == []
        stored = await uow.payments.get(refund.payment_id)
    assert stored is not None
    assert stored.amount_refunded_minor == 0


async def test_page_filters_and_continues_newest_first(
    sql_store: SqlStore, parties: Parties
) -> None:
    later = builders.NOW + timedelta(hours=1)
    first = _captured(parties)
    second = builders.payment(parties.merchant.id, parties.wallet.id, status=PaymentStatus.FAILED)
    third = _captured(parties, created_at=later)
    anonymous = _captured(parties, wallet_id=None)
    await _add(sql_store, first, second, third, anonymous)
    async with sql_store() as uow:
        page = uow.payments.page
        everything = await page(PaymentFilter(), limit=10, starting_after=None)
        top_two = await page(PaymentFilter(), limit=2, starting_after=None)
        after = await page(PaymentFilter(), limit=10, starting_after=top_two[-1].id)
        succeeded = await page(
            PaymentFilter(wallet_id=parties.wallet.id, status=PaymentStatus.SUCCEEDED),
            limit=10,
            starting_after=None,
        )
        in_window = await page(
            PaymentFilter(
                merchant_id=parties.merchant.id,
                created_gte=later,
                created_lt=later + timedelta(seconds=1),
            ),
            limit=10,
            starting_after=None,
        )
    assert everything == [anonymous, third, second, first]
    assert top_two + after == everything
    assert succeeded == [third, first]
    assert in_window == [third]


async def test_events_keep_their_order_and_data(sql_store: SqlStore, parties: Parties) -> None:
    payment = _captured(parties)
    events = [
        PaymentEvent(
            payment.id, PaymentEventKind.CREATED, {"amount": 1_000, "source": "qr"}, builders.NOW
        ),
        PaymentEvent(
            payment.id,
            PaymentEventKind.ROUTE_DECIDED,
            {"chosen": "onus", "why": ["only"]},
            builders.NOW,
        ),
        PaymentEvent(payment.id, PaymentEventKind.SUCCEEDED, {}, builders.NOW),
    ]
    await _add(sql_store, payment)
    async with sql_store() as uow:
        for event in events:
            await uow.payments.add_event(event)
        await uow.commit()
    async with sql_store() as uow:
        assert await uow.payments.events(payment.id) == events


async def test_a_consumer_presented_token_is_claimed_once(
    sql_store: SqlStore, parties: Parties
) -> None:
    first, second = _captured(parties), _captured(parties)
    # the service claims the token before it stores the payment, in the same transaction
    async with sql_store() as uow:
        assert await uow.payments.claim_cpm_token("tok-1", first.id)
        await uow.payments.add(first)
        await uow.commit()
    async with sql_store() as uow:
        assert not await uow.payments.claim_cpm_token("tok-1", second.id)
        assert await uow.payments.claim_cpm_token("tok-2", second.id)
        await uow.payments.add(second)
        await uow.commit()


async def test_a_claim_without_its_payment_cannot_commit(
    sql_store: SqlStore, parties: Parties
) -> None:
    async with sql_store() as uow:
        assert await uow.payments.claim_cpm_token("tok-1", PaymentId("pay_never_stored"))
        with pytest.raises(IntegrityError):
            await uow.commit()
