"""The operator's reads on both databases: the network filter, hourly volume, latencies."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from qrpay.adapters.db.store import SqlStore
from qrpay.domain.ids import PaymentId
from qrpay.domain.payments import Payment, PaymentEvent, PaymentEventKind, PaymentStatus
from qrpay.services.unit_of_work import AttemptLatency, HourlyVolume, PaymentFilter
from tests import builders
from tests.integration.storage.conftest import Parties

HOUR = timedelta(hours=1)
START = builders.NOW.replace(minute=0, second=0, microsecond=0)


def _payment(parties: Parties, network: str, minutes: int, **fields: Any) -> Payment:
    return builders.payment(
        parties.merchant.id,
        parties.wallet.id,
        route={"chosen": "onus", "network": network, "reason": "test"},
        created_at=START + timedelta(minutes=minutes),
        **fields,
    )


async def _store(
    store: SqlStore, payments: list[Payment], latencies: dict[PaymentId, object]
) -> None:
    async with store() as uow:
        for payment in payments:
            await uow.payments.add(payment)
            data = {"connector": "onus", "latency_ms": latencies.get(payment.id)}
            event = PaymentEvent(payment.id, PaymentEventKind.ATTEMPT, data, payment.created_at)
            await uow.payments.add_event(event)
        await uow.commit()


async def test_payments_filter_by_the_routes_network(sql_store: SqlStore, parties: Parties) -> None:
    onus = _payment(parties, "qrpay", 1)
    pix = _payment(parties, "pix", 2)
    await _store(sql_store, [onus, pix], {})

    async with sql_store() as uow:
        by_pix = await uow.payments.page(
            PaymentFilter(network="pix"), limit=10, starting_after=None
        )
        by_none = await uow.payments.page(PaymentFilter(), limit=10, starting_after=None)

    assert [p.id for p in by_pix] == [pix.id]
    assert [p.id for p in by_none] == [pix.id, onus.id]


async def test_hourly_volume_counts_successes_per_hour_network_and_currency(
    sql_store: SqlStore, parties: Parties
) -> None:
    ok = _payment(parties, "qrpay", 5, amount_minor=1_000, status=PaymentStatus.SUCCEEDED)
    refunded = _payment(parties, "qrpay", 50, amount_minor=300, status=PaymentStatus.REFUNDED)
    failed = _payment(parties, "qrpay", 55, amount_minor=700, status=PaymentStatus.FAILED)
    later = _payment(parties, "pix", 65, amount_minor=200, status=PaymentStatus.SUCCEEDED)
    outside = _payment(parties, "pix", 200, status=PaymentStatus.SUCCEEDED)
    await _store(sql_store, [ok, refunded, failed, later, outside], {})

    async with sql_store() as uow:
        volume = await uow.payments.hourly_volume(created_gte=START, created_lt=START + 2 * HOUR)

    assert volume == [
        HourlyVolume(START, "qrpay", "THB", created=3, succeeded=2, amount_succeeded_minor=1_300),
        HourlyVolume(
            START + HOUR, "pix", "THB", created=1, succeeded=1, amount_succeeded_minor=200
        ),
    ]


async def test_latencies_of_the_newest_attempts_that_measured_one(
    sql_store: SqlStore, parties: Parties
) -> None:
    first, second, third = (_payment(parties, "qrpay", m) for m in (1, 2, 3))
    unmeasured = _payment(parties, "qrpay", 4)
    latencies: dict[PaymentId, object] = {first.id: 12.5, second.id: 40, third.id: 7.25}
    await _store(sql_store, [first, second, third, unmeasured], latencies)

    async with sql_store() as uow:
        found = await uow.payments.attempt_latencies(
            created_gte=START, created_lt=START + HOUR, limit=3
        )

    assert found == [
        AttemptLatency(third.created_at, "qrpay", 7.25),
        AttemptLatency(second.created_at, "qrpay", 40.0),
    ]
