"""Webhook delivery on both databases, to a real HTTP receiver on loopback.

The clock is fake: retries come due when the test moves it, so 72 hours pass in no time.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from datetime import UTC, datetime, timedelta

from standardwebhooks.webhooks import Webhook

from qrpay.adapters.db.store import SqlStore
from qrpay.adapters.webhooks.sender import HttpSender, SenderLimits
from qrpay.domain.webhooks import DeliveryStatus, DisabledReason, EndpointStatus
from qrpay.services import webhooks
from qrpay.services.delivery import Deliverer, DeliveryConfig, relay_once
from qrpay.workers.assembly import RELAY_IDLE_MS, WEBHOOKS_IDLE_MS
from qrpay.workers.loops import Loop, run_loops
from tests.fakes.clock import FakeClock
from tests.fakes.context import Harness, harness
from tests.notifications import LOOPBACK, Shop, open_shop, pay_checkout, webhook_settings
from tests.webhook_receiver import Receiver

ROUNDS_MAX = 20


SETTINGS = webhook_settings()
"""One key store for the whole module: the endpoints' secrets and the deliverers' agree."""


async def _endpoint(h: Harness, shop: Shop, url: str, types: tuple[str, ...]) -> tuple[str, str]:
    settings = SETTINGS
    async with h.ctx.uow() as uow:
        endpoint, secret = await webhooks.create_endpoint(
            h.ctx, uow, settings, shop.merchant.id, url, types
        )
        await uow.commit()
    return endpoint.id, secret


def _deliverer(h: Harness, worker: str = "w1") -> Deliverer:
    sender = HttpSender(LOOPBACK, SenderLimits(attempt_timeout_ms=2_000))
    return Deliverer(h.ctx, SETTINGS, sender, DeliveryConfig(worker), rng=random.Random(3))


async def test_a_flaky_receiver_gets_each_event_once_processed_and_signed(
    sql_store: SqlStore,
) -> None:
    # given a receiver that fails the first 3 deliveries, and 4 payments; the fake clock
    # starts now, so the independent verifier's freshness check applies as in production
    h = harness(store=sql_store, clock=FakeClock(datetime.now(UTC)))
    shop = await open_shop(h.ctx)
    with Receiver(fail_first=3) as receiver:
        _, secret = await _endpoint(h, shop, receiver.url, ("payment.succeeded",))
        paid = [await pay_checkout(h.ctx, shop) for _ in range(4)]
        deliverer = _deliverer(h)
        # when the relay runs, then the deliverer, the clock moving on to each retry
        assert await relay_once(h.ctx) == 8  # 4 payment.succeeded + 4 checkout.completed
        for _ in range(ROUNDS_MAX):
            await deliverer.deliver_once()
            async with h.ctx.uow() as uow:
                if await uow.webhooks.backlog() == 0:
                    break
            h.clock.advance(seconds=10)
    # then every event was processed exactly once, though 3 arrived more than once
    assert len(receiver.receipts) == 4 + 3
    assert sorted(receiver.processed.values()) == [1, 1, 1, 1]
    objects = {json.loads(r.body)["data"]["object_id"] for r in receiver.receipts}
    assert objects == {p.id for p in paid}
    # and every attempt, retries included, verifies with the independent library
    verifier = Webhook(secret)
    for receipt in receiver.receipts:
        verified = verifier.verify(receipt.body, receipt.headers)
        assert verified["type"] == "payment.succeeded"
    # and a retry carries the same webhook-id as the first try
    retried = receiver.ids_received()
    assert sum(retried.values()) == 7
    assert max(retried.values()) >= 2
    async with h.ctx.uow() as uow:
        done = await uow.webhooks.deliveries(
            shop.merchant.id, DeliveryStatus.SUCCEEDED, limit=10, starting_after=None
        )
    assert len(done) == 4


async def test_two_workers_never_deliver_the_same_attempt(sql_store: SqlStore) -> None:
    # given 10 events for one endpoint, a slow receiver and two workers on two pools
    h = harness(store=sql_store)
    shop = await open_shop(h.ctx)
    other_store = SqlStore(sql_store.url)
    try:
        with Receiver(hold_s=0.0) as receiver:
            await _endpoint(h, shop, receiver.url, ("payment.succeeded",))
            for _ in range(10):
                await pay_checkout(h.ctx, shop)
            await relay_once(h.ctx)
            second = harness(store=other_store, clock=h.clock)
            one, two = _deliverer(h, "w1"), _deliverer(second, "w2")
            # when both claim and deliver at the same time, several rounds
            for _ in range(3):
                await asyncio.gather(one.deliver_once(), two.deliver_once())
    finally:
        await other_store.dispose()
    # then each event arrived exactly once: no attempt was made twice
    assert sorted(receiver.ids_received().values()) == [1] * 10


async def test_an_endpoint_answering_410_is_disabled_and_the_merchant_is_told(
    sql_store: SqlStore,
) -> None:
    h = harness(store=sql_store)
    shop = await open_shop(h.ctx)
    with Receiver(fail_first=1, fail_status=410) as receiver:
        endpoint_id, _ = await _endpoint(h, shop, receiver.url, ("*",))
        await pay_checkout(h.ctx, shop)
        await relay_once(h.ctx)
        deliverer = _deliverer(h)
        await deliverer.deliver_once()
    async with h.ctx.uow() as uow:
        endpoint = await uow.webhooks.get_endpoint(endpoint_id)  # type: ignore[arg-type]
        dead = await uow.webhooks.deliveries(
            shop.merchant.id, DeliveryStatus.DEAD, limit=10, starting_after=None
        )
    assert endpoint is not None
    assert endpoint.status is EndpointStatus.DISABLED
    assert endpoint.disabled_reason is DisabledReason.GONE
    assert len(dead) == 2  # the 410 one and the other event's, ended with the endpoint
    await relay_once(h.ctx)
    async with h.ctx.uow() as uow:
        told = await uow.events.page(shop.merchant.id, after_position=None, types=[], limit=10)
    assert told[-1].event.type.value == "webhook_endpoint.disabled"


async def test_a_delivery_failing_for_72_hours_is_dead_and_replayable(sql_store: SqlStore) -> None:
    h = harness(store=sql_store)
    shop = await open_shop(h.ctx)
    with Receiver(fail_first=10_000) as receiver:
        await _endpoint(h, shop, receiver.url, ("payment.succeeded",))
        payment = await pay_checkout(h.ctx, shop)
        await relay_once(h.ctx)
        deliverer = _deliverer(h)
        start = h.clock.now()
        for _ in range(60):
            await deliverer.deliver_once()
            h.clock.advance(hours=3)
        attempts = len(receiver.receipts)
    async with h.ctx.uow() as uow:
        dead = await uow.webhooks.deliveries(
            shop.merchant.id, DeliveryStatus.DEAD, limit=10, starting_after=None
        )
        event_id = dead[0].event_id
        tried = await uow.webhooks.attempts(dead[0].id)
    assert len(dead) == 1
    assert tried[-1].started_at - tried[0].started_at >= timedelta(hours=72)
    assert attempts == len(tried)
    assert h.clock.now() - start >= timedelta(hours=72)
    # and a replay queues it again
    async with h.ctx.uow() as uow:
        again = await webhooks.replay_event(h.ctx, uow, shop.merchant.id, event_id)
        await uow.commit()
    assert payment.id
    assert len(again) == 0  # the endpoint was disabled as failing: nothing to send it to


async def test_the_first_attempt_comes_within_a_second_of_the_commit(
    sql_store: SqlStore,
) -> None:
    # given the worker's relay and webhook loops running, as `qrpay worker` runs them
    h = harness(store=sql_store)
    shop = await open_shop(h.ctx)
    with Receiver() as receiver:
        await _endpoint(h, shop, receiver.url, ("payment.succeeded",))
        deliverer = _deliverer(h)
        loops = [
            Loop("relay", lambda: relay_once(h.ctx), RELAY_IDLE_MS, ["webhooks"]),
            Loop("webhooks", deliverer.deliver_once, WEBHOOKS_IDLE_MS),
        ]
        stop = asyncio.Event()
        running = asyncio.create_task(run_loops(loops, stop))
        try:
            await asyncio.sleep(0.3)  # both loops idle, waiting
            # when a payment commits
            await pay_checkout(h.ctx, shop)
            committed = time.monotonic()
            arrived = await asyncio.to_thread(receiver.arrived.wait, 5)
            latency_s = time.monotonic() - committed
        finally:
            stop.set()
            await running
    # then its webhook arrived within a second
    assert arrived
    assert latency_s < 1.0, f"{latency_s:.3f} s"
