"""The outbox relay's step and the webhook delivery step, each one bounded batch.

``relay_once`` publishes the oldest unpublished events (gives them positions) and makes a
pending delivery, due now, for every enabled endpoint that wants each, in one transaction:
a crash before the commit leaves the events unpublished, to be relayed again.

``Deliverer.deliver_once`` leases due deliveries (see adapters/db/webhooks.py), makes one
attempt each, concurrently up to ``concurrency_max``, and stores each outcome while it still
holds the lease. The lease outlives an attempt's timeout, so a live worker never loses one;
a worker killed mid-attempt leaves its lease to run out, and the delivery is attempted
again: at least once, never lost. The three transactions of an attempt (claim, read, finish)
are short; the HTTP call happens outside any of them.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final, Protocol

import orjson

from qrpay.domain import webhook_signing
from qrpay.domain.events import EventType
from qrpay.domain.ids import MerchantId
from qrpay.domain.webhooks import (
    AttemptResult,
    DeadReason,
    Delivery,
    DeliveryOrigin,
    DeliveryStatus,
    DisabledReason,
    EndpointStatus,
    RetryPolicy,
    WebhookEndpoint,
    after_attempt,
)
from qrpay.observability import metrics
from qrpay.observability.logs import log
from qrpay.services import events
from qrpay.services.context import Context
from qrpay.services.unit_of_work import UnitOfWork
from qrpay.services.webhooks import WebhookSettings, fan_out, live_secrets

RELAY_BATCH_MAX: Final = 500
DELIVERY_BATCH_MAX: Final = 50
LEASE_MARGIN_MS: Final = 5_000
"""How much longer than one attempt's timeout a lease lasts."""


class Sender(Protocol):
    async def send(
        self, url: str, headers: dict[str, str], body: bytes, started_at: datetime
    ) -> AttemptResult: ...


async def relay_once(ctx: Context, batch_max: int = RELAY_BATCH_MAX) -> int:
    """Publish up to ``batch_max`` events and queue their deliveries; how many published."""
    async with ctx.uow() as uow:
        published = await uow.events.publish_next(ctx.now(), batch_max)
        by_merchant: dict[MerchantId, list[WebhookEndpoint]] = {}
        deliveries: list[Delivery] = []
        for stored in published:
            merchant = stored.event.merchant_id
            if merchant not in by_merchant:
                by_merchant[merchant] = await uow.webhooks.endpoints(merchant)
            deliveries += fan_out(ctx, [stored.event], by_merchant[merchant], DeliveryOrigin.EVENT)
        await uow.webhooks.add_deliveries(deliveries)
        await uow.commit()
    if published:
        metrics.EVENTS_PUBLISHED.inc(len(published))
    return len(published)


@dataclass(frozen=True)
class DeliveryConfig:
    worker_id: str
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    attempt_timeout_ms: int = 10_000
    batch_max: int = DELIVERY_BATCH_MAX
    concurrency_max: int = 16

    def __post_init__(self) -> None:
        assert self.worker_id
        assert 1 <= self.batch_max <= DELIVERY_BATCH_MAX
        assert 1 <= self.concurrency_max <= self.batch_max

    @property
    def lease_ms(self) -> int:
        return self.attempt_timeout_ms + LEASE_MARGIN_MS


class Deliverer:
    def __init__(
        self,
        ctx: Context,
        settings: WebhookSettings,
        sender: Sender,
        config: DeliveryConfig,
        rng: random.Random | None = None,
    ) -> None:
        self._ctx = ctx
        self._settings = settings
        self._sender = sender
        self.config = config
        # Jitter is not a secret; seeded in tests.
        self._rng = rng or random.Random()  # noqa: S311
        self._slots = asyncio.Semaphore(config.concurrency_max)

    async def deliver_once(self) -> int:
        """Attempt every delivery due now (up to a batch); how many were attempted."""
        now = self._ctx.now()
        lease_until = now + timedelta(milliseconds=self.config.lease_ms)
        async with self._ctx.uow() as uow:
            claimed = await uow.webhooks.claim(
                now, lease_until, self.config.worker_id, self.config.batch_max
            )
            await uow.commit()
        await asyncio.gather(*(self._guarded(d) for d in claimed))
        return len(claimed)

    async def _guarded(self, delivery: Delivery) -> None:
        async with self._slots:
            try:
                await self.attempt(delivery)
            except Exception:
                # One delivery's failure must not stop the others; its lease runs out and
                # it is attempted again.
                log.exception("webhook.attempt_failed", delivery_id=delivery.id)

    async def attempt(self, delivery: Delivery) -> None:
        ctx = self._ctx
        async with ctx.uow() as uow:
            stored = await uow.events.get(delivery.event_id)
            endpoint = await uow.webhooks.get_endpoint(delivery.endpoint_id)
            assert stored is not None
            assert endpoint is not None
            if endpoint.status is not EndpointStatus.ENABLED:
                reason = (
                    DeadReason.ENDPOINT_DELETED
                    if endpoint.status is EndpointStatus.DELETED
                    else DeadReason.ENDPOINT_DISABLED
                )
                await uow.webhooks.end_pending(endpoint.id, reason, ctx.now())
                await uow.commit()
                return
            started_at = ctx.now()
            secrets = await live_secrets(uow, self._settings, endpoint.id, started_at)
        body = orjson.dumps(stored.event.payload())
        timestamp_s = int(started_at.timestamp())
        headers = webhook_signing.headers(secrets, stored.event.id, timestamp_s, body)
        result = await self._sender.send(endpoint.url, headers, body, started_at)
        await self._finish(delivery, result)

    async def _finish(self, delivery: Delivery, result: AttemptResult) -> None:
        ctx = self._ctx
        async with ctx.uow() as uow:
            endpoint = await uow.webhooks.get_endpoint(delivery.endpoint_id)
            assert endpoint is not None
            now = ctx.now()
            decision = after_attempt(
                delivery, result, endpoint.last_success_at, now, self.config.policy, self._rng
            )
            if not await uow.webhooks.finish_attempt(
                delivery, self.config.worker_id, result, decision, now
            ):
                log.warning("webhook.lease_lost", delivery_id=delivery.id)
                return
            if decision.disable_endpoint is not None:
                await _disable(ctx, uow, endpoint, decision.disable_endpoint, now)
            await uow.commit()
        _count(decision.status, result)


async def _disable(
    ctx: Context,
    uow: UnitOfWork,
    endpoint: WebhookEndpoint,
    reason: DisabledReason,
    now: datetime,
) -> None:
    """Disable the endpoint, end its pending deliveries, and tell the merchant by an event."""
    gone = reason is DisabledReason.GONE
    dead = DeadReason.ENDPOINT_GONE if gone else DeadReason.ENDPOINT_DISABLED
    # Deliveries before their endpoint: the lock order of adapters/db/webhooks.py.
    await uow.webhooks.end_pending(endpoint.id, dead, now)
    endpoint.disable(reason, now)
    await uow.webhooks.update_endpoint(endpoint)
    await events.emit(ctx, uow, EventType.WEBHOOK_ENDPOINT_DISABLED, endpoint)
    log.warning("webhook.endpoint_disabled", endpoint_id=endpoint.id, reason=reason.value)


def _count(status: DeliveryStatus, result: AttemptResult) -> None:
    outcome = "no_answer" if result.status_code is None else f"{result.status_code // 100}xx"
    metrics.WEBHOOK_ATTEMPTS.labels(outcome).inc()
    if status is not DeliveryStatus.PENDING:
        metrics.WEBHOOK_DELIVERIES.labels(status.value).inc()


CHECKOUT_EXPIRY_BATCH_MAX: Final = 200


async def expire_checkouts_once(ctx: Context, batch_max: int = CHECKOUT_EXPIRY_BATCH_MAX) -> int:
    """Turn open checkouts past their expiry into expired ones, each with its event.

    Expiry is a fact of time (``Checkout.status_at``); this writes it down, so that the
    merchant hears of it and the event commits with the change, like every other event.
    """
    async with ctx.uow() as uow:
        expired = await uow.back_office.expire_checkouts(ctx.now(), batch_max)
        for checkout in expired:
            await events.emit(ctx, uow, EventType.CHECKOUT_EXPIRED, checkout)
        await uow.commit()
    return len(expired)
