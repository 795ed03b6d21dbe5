"""In-memory event, webhook and back-office repositories for the fake unit of work.

They keep their rows in ``NotificationState`` inside ``FakeState``, so a unit of work left
without ``commit`` throws their changes away like everything else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from qrpay.domain.checkouts import Checkout, CheckoutStatus
from qrpay.domain.events import Event, EventId, EventType
from qrpay.domain.ids import MerchantId, PaymentId
from qrpay.domain.ledger import TransferCode
from qrpay.domain.payments import AttemptStatus, Payment, Refund, RefundStatus
from qrpay.domain.reconciliation import GatewayOutcome, GatewayRecord, RecordKind
from qrpay.domain.settlement import Captured, SettlementKey
from qrpay.domain.webhooks import (
    AttemptResult,
    DeadReason,
    Decision,
    Delivery,
    DeliveryId,
    DeliveryStatus,
    EndpointId,
    EndpointStatus,
    WebhookEndpoint,
)
from qrpay.services.notification_ports import SecretGeneration, StoredEvent

if TYPE_CHECKING:
    from tests.fakes.uow import FakeState, FakeUnitOfWork


@dataclass
class Lease:
    worker: str
    until: datetime


@dataclass
class NotificationState:
    events: list[StoredEvent] = field(default_factory=list)
    endpoints: dict[EndpointId, WebhookEndpoint] = field(default_factory=dict)
    secrets: list[SecretGeneration] = field(default_factory=list)
    deliveries: dict[DeliveryId, Delivery] = field(default_factory=dict)
    leases: dict[DeliveryId, Lease] = field(default_factory=dict)
    attempts: dict[DeliveryId, list[AttemptResult]] = field(default_factory=dict)


class _Repo:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def s(self) -> FakeState:
        return self._uow.working

    @property
    def n(self) -> NotificationState:
        return self._uow.working.notifications


class FakeEvents(_Repo):
    async def add(self, event: Event) -> None:
        self.n.events.append(StoredEvent(event, None))

    async def get(self, event_id: EventId) -> StoredEvent | None:
        return next((e for e in self.n.events if e.event.id == event_id), None)

    async def publish_next(self, now: datetime, limit: int) -> list[StoredEvent]:
        highest = max((e.position or 0 for e in self.n.events), default=0)
        published: list[StoredEvent] = []
        for i, stored in enumerate(self.n.events):
            if stored.position is None and len(published) < limit:
                highest += 1
                self.n.events[i] = StoredEvent(stored.event, highest)
                published.append(self.n.events[i])
        return published

    async def page(
        self,
        merchant_id: MerchantId,
        *,
        after_position: int | None,
        types: Sequence[EventType],
        limit: int,
    ) -> list[StoredEvent]:
        found = [
            e
            for e in self._published()
            if e.event.merchant_id == merchant_id
            and (after_position is None or (e.position or 0) > after_position)
            and (not types or e.event.type in types)
        ]
        return found[:limit]

    async def between(
        self, merchant_id: MerchantId, start: datetime, end: datetime, limit: int
    ) -> list[StoredEvent]:
        found = [
            e
            for e in self._published()
            if e.event.merchant_id == merchant_id and start <= e.event.created_at < end
        ]
        return found[:limit]

    async def unpublished(self) -> int:
        return sum(1 for e in self.n.events if e.position is None)

    def _published(self) -> list[StoredEvent]:
        return sorted((e for e in self.n.events if e.position is not None), key=_position)


def _position(stored: StoredEvent) -> int:
    assert stored.position is not None
    return stored.position


class FakeWebhooks(_Repo):
    async def add_endpoint(self, endpoint: WebhookEndpoint) -> None:
        self.n.endpoints[endpoint.id] = replace(endpoint)

    async def get_endpoint(self, endpoint_id: EndpointId) -> WebhookEndpoint | None:
        found = self.n.endpoints.get(endpoint_id)
        return None if found is None else replace(found)

    async def endpoints(self, merchant_id: MerchantId) -> list[WebhookEndpoint]:
        return [
            replace(e)
            for e in sorted(self.n.endpoints.values(), key=lambda e: e.id)
            if e.merchant_id == merchant_id and e.status is not EndpointStatus.DELETED
        ]

    async def update_endpoint(self, endpoint: WebhookEndpoint) -> None:
        assert endpoint.id in self.n.endpoints
        self.n.endpoints[endpoint.id] = replace(endpoint)

    async def add_secret(self, secret: SecretGeneration) -> None:
        self.n.secrets.append(secret)

    async def secrets(self, endpoint_id: EndpointId) -> list[SecretGeneration]:
        mine = [s for s in self.n.secrets if s.endpoint_id == endpoint_id]
        return sorted(mine, key=lambda s: s.generation, reverse=True)

    async def expire_secret(self, endpoint_id: EndpointId, generation: int, at: datetime) -> None:
        self.n.secrets = [
            replace(s, expires_at=at)
            if (s.endpoint_id, s.generation) == (endpoint_id, generation)
            else s
            for s in self.n.secrets
        ]

    async def add_deliveries(self, deliveries: Sequence[Delivery]) -> None:
        for delivery in deliveries:
            self.n.deliveries[delivery.id] = delivery

    async def get_delivery(self, delivery_id: DeliveryId) -> Delivery | None:
        return self.n.deliveries.get(delivery_id)

    async def claim(
        self, now: datetime, lease_until: datetime, worker: str, limit: int
    ) -> list[Delivery]:
        due = sorted(
            (
                d
                for d in self.n.deliveries.values()
                if d.status is DeliveryStatus.PENDING
                and d.next_attempt_at is not None
                and d.next_attempt_at <= now
                and (d.id not in self.n.leases or self.n.leases[d.id].until <= now)
            ),
            key=lambda d: (d.next_attempt_at, d.id),
        )[:limit]
        for delivery in due:
            self.n.leases[delivery.id] = Lease(worker, lease_until)
        return due

    async def finish_attempt(
        self,
        delivery: Delivery,
        worker: str,
        result: AttemptResult,
        decision: Decision,
        now: datetime,
    ) -> bool:
        lease = self.n.leases.get(delivery.id)
        stored = self.n.deliveries[delivery.id]
        if lease is None or lease.worker != worker or stored.attempts != delivery.attempts:
            return False
        del self.n.leases[delivery.id]
        done = decision.status is not DeliveryStatus.PENDING
        self.n.deliveries[delivery.id] = replace(
            stored,
            status=decision.status,
            attempts=stored.attempts + 1,
            next_attempt_at=decision.next_attempt_at,
            first_attempt_at=stored.first_attempt_at or result.started_at,
            last_attempt_at=result.started_at,
            last_status_code=result.status_code,
            last_error=result.error,
            completed_at=now if done else None,
            dead_reason=decision.dead_reason,
        )
        self.n.attempts.setdefault(delivery.id, []).append(result)
        if decision.endpoint_succeeded:
            self.n.endpoints[delivery.endpoint_id].last_success_at = result.started_at
        return True

    async def end_pending(self, endpoint_id: EndpointId, reason: DeadReason, now: datetime) -> int:
        ended = 0
        for delivery in list(self.n.deliveries.values()):
            if delivery.endpoint_id == endpoint_id and delivery.status is DeliveryStatus.PENDING:
                self.n.deliveries[delivery.id] = replace(
                    delivery,
                    status=DeliveryStatus.DEAD,
                    next_attempt_at=None,
                    completed_at=now,
                    dead_reason=reason,
                )
                self.n.leases.pop(delivery.id, None)
                ended += 1
        return ended

    async def deliveries(
        self,
        merchant_id: MerchantId | None,
        status: DeliveryStatus | None,
        *,
        limit: int,
        starting_after: DeliveryId | None,
    ) -> list[Delivery]:
        found = [
            d
            for d in sorted(self.n.deliveries.values(), key=lambda d: d.id, reverse=True)
            if (merchant_id is None or d.merchant_id == merchant_id)
            and (status is None or d.status is status)
            and (starting_after is None or d.id < starting_after)
        ]
        return found[:limit]

    async def attempts(self, delivery_id: DeliveryId) -> list[AttemptResult]:
        return list(self.n.attempts.get(delivery_id, []))

    async def backlog(self) -> int:
        return sum(1 for d in self.n.deliveries.values() if d.status is DeliveryStatus.PENDING)


_REFUND_OUTCOMES = {
    RefundStatus.SUCCEEDED: GatewayOutcome.APPROVED,
    RefundStatus.FAILED: GatewayOutcome.DECLINED,
    RefundStatus.PENDING: GatewayOutcome.UNKNOWN,
}
_ATTEMPT_OUTCOMES = {
    AttemptStatus.APPROVED: GatewayOutcome.APPROVED,
    AttemptStatus.DECLINED: GatewayOutcome.DECLINED,
    AttemptStatus.UNKNOWN: GatewayOutcome.UNKNOWN,
    AttemptStatus.PENDING: GatewayOutcome.UNKNOWN,
}


class FakeBackOffice(_Repo):
    async def add_refund(self, refund: Refund) -> None:
        assert refund.status is not RefundStatus.SUCCEEDED
        self.s.refunds.append(refund)

    async def expire_checkouts(self, now: datetime, limit: int) -> list[Checkout]:
        due = sorted(
            (
                c
                for c in self.s.checkouts.values()
                if c.status is CheckoutStatus.OPEN and c.expires_at <= now
            ),
            key=lambda c: c.expires_at,
        )[:limit]
        for checkout in due:
            checkout.status = CheckoutStatus.EXPIRED
        return [replace(c) for c in due]

    def _key(self, payment: Payment) -> SettlementKey:
        approved = [a for a in payment.attempts if a.status is AttemptStatus.APPROVED]
        network = approved[-1].connector if approved else "unknown"
        return SettlementKey(payment.merchant_id, network, payment.amount.currency.code)

    async def captured(self, start: datetime, end: datetime) -> list[Captured]:
        found: dict[SettlementKey, list[int]] = {}
        for p in self.s.payments.values():
            if start <= p.created_at < end and p.amount_captured_minor > 0:
                line = found.setdefault(self._key(p), [0, 0])
                line[0] += 1
                line[1] += p.amount_captured_minor
        return [Captured(k, count, total) for k, (count, total) in found.items()]

    async def refunded(self, start: datetime, end: datetime) -> list[tuple[SettlementKey, int]]:
        found: dict[SettlementKey, int] = {}
        for r in self.s.refunds:
            if start <= r.created_at < end and r.status is RefundStatus.SUCCEEDED:
                key = self._key(self.s.payments[r.payment_id])
                found[key] = found.get(key, 0) + r.amount.amount_minor
        return list(found.items())

    async def fees(self, start: datetime, end: datetime) -> list[tuple[SettlementKey, int]]:
        found: dict[SettlementKey, int] = {}
        for t in self.s.ledger.transfers.values():
            if t.code is TransferCode.FEE and t.payment_id and start <= t.created_at < end:
                key = self._key(self.s.payments[PaymentId(t.payment_id)])
                found[key] = found.get(key, 0) + t.amount_posted_minor
        return list(found.items())

    async def gateway_records(
        self, connector: str, start: datetime, end: datetime
    ) -> list[GatewayRecord]:
        references = {
            str(e.data.get("attempt_id") or e.data.get("refund_id")): str(e.data["reference"])
            for e in self.s.events
            if e.data.get("connector") == connector and e.data.get("reference")
        }
        records = []
        for p in self.s.payments.values():
            for a in p.attempts:
                if a.connector == connector and start <= a.created_at < end:
                    records.append(
                        GatewayRecord(
                            references.get(a.id, a.id),
                            RecordKind.PAYMENT,
                            p.amount.amount_minor,
                            p.amount.currency.code,
                            _ATTEMPT_OUTCOMES[a.status],
                            p.id,
                            a.id,
                        )
                    )
        for r in self.s.refunds:
            carried = self._key(self.s.payments[r.payment_id]).network == connector
            if start <= r.created_at < end and (r.id in references or carried):
                records.append(
                    GatewayRecord(
                        references.get(r.id, r.id),
                        RecordKind.REFUND,
                        r.amount.amount_minor,
                        r.amount.currency.code,
                        _REFUND_OUTCOMES[r.status],
                        r.payment_id,
                        r.id,
                    )
                )
        return records
