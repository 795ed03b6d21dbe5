"""The storage ports of merchant notifications and the back office, opened by a unit of work.

    uow.events       the outbox and the merchant's event log (``GET /v1/events``)
    uow.webhooks     endpoints, their secrets' generations, deliveries and their attempts
    uow.back_office  settlement totals, the gateway's side of a reconciliation, and the
                     settling of attempts whose outcome a network report resolved

Every method runs inside the caller's transaction, like the other repositories.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from qrpay.domain.checkouts import Checkout
from qrpay.domain.events import Event, EventId, EventType
from qrpay.domain.ids import MerchantId
from qrpay.domain.payments import Refund
from qrpay.domain.reconciliation import GatewayRecord
from qrpay.domain.settlement import Captured, SettlementKey
from qrpay.domain.webhooks import (
    AttemptResult,
    DeadReason,
    Decision,
    Delivery,
    DeliveryId,
    DeliveryStatus,
    EndpointId,
    WebhookEndpoint,
)


@dataclass(frozen=True, slots=True)
class SecretGeneration:
    """One generation of an endpoint's secret: which key-store version derives it."""

    endpoint_id: EndpointId
    generation: int
    key_version: int
    created_at: datetime
    expires_at: datetime | None = None
    """Set on the generation a rotation replaced: it keeps signing until then."""

    def live(self, now: datetime) -> bool:
        return self.expires_at is None or now < self.expires_at


@dataclass(frozen=True, slots=True)
class StoredEvent:
    event: Event
    position: int | None
    """Given when the event is published (relayed); None before."""


class EventRepository(Protocol):
    async def add(self, event: Event) -> None: ...
    async def get(self, event_id: EventId) -> StoredEvent | None: ...
    async def publish_next(self, now: datetime, limit: int) -> list[StoredEvent]:
        """Give the oldest unpublished events their positions, one publisher at a time.

        Positions continue from the highest given so far; the publisher holds a lock until
        its transaction ends, so positions follow the order in which events became visible.
        """
        ...

    async def page(
        self,
        merchant_id: MerchantId,
        *,
        after_position: int | None,
        types: Sequence[EventType],
        limit: int,
    ) -> list[StoredEvent]:
        """Published events of the merchant, oldest first, after ``after_position``."""
        ...

    async def between(
        self, merchant_id: MerchantId, start: datetime, end: datetime, limit: int
    ) -> list[StoredEvent]:
        """Published events created in [start, end), oldest first."""
        ...

    async def unpublished(self) -> int: ...


class WebhookRepository(Protocol):
    async def add_endpoint(self, endpoint: WebhookEndpoint) -> None: ...
    async def get_endpoint(self, endpoint_id: EndpointId) -> WebhookEndpoint | None: ...
    async def endpoints(self, merchant_id: MerchantId) -> list[WebhookEndpoint]:
        """The merchant's endpoints that are not deleted, oldest first."""
        ...

    async def update_endpoint(self, endpoint: WebhookEndpoint) -> None: ...
    async def add_secret(self, secret: SecretGeneration) -> None: ...
    async def secrets(self, endpoint_id: EndpointId) -> list[SecretGeneration]:
        """Every generation, newest first."""
        ...

    async def expire_secret(
        self, endpoint_id: EndpointId, generation: int, at: datetime
    ) -> None: ...

    async def add_deliveries(self, deliveries: Sequence[Delivery]) -> None: ...
    async def get_delivery(self, delivery_id: DeliveryId) -> Delivery | None: ...
    async def claim(
        self, now: datetime, lease_until: datetime, worker: str, limit: int
    ) -> list[Delivery]:
        """Lease due pending deliveries to ``worker``: none that another lease still holds.

        PostgreSQL skips rows another claim has locked (FOR UPDATE SKIP LOCKED); SQLite's
        write lock serialises claims. Either way the UPDATE re-checks the lease.
        """
        ...

    async def finish_attempt(
        self,
        delivery: Delivery,
        worker: str,
        result: AttemptResult,
        decision: Decision,
        now: datetime,
    ) -> bool:
        """Store the attempt and its consequence, if ``worker`` still holds the lease.

        False (nothing stored) when the lease was lost: another worker owns the delivery.
        """
        ...

    async def end_pending(self, endpoint_id: EndpointId, reason: DeadReason, now: datetime) -> int:
        """Pending deliveries of the endpoint become dead letters; how many."""
        ...

    async def deliveries(
        self,
        merchant_id: MerchantId | None,
        status: DeliveryStatus | None,
        *,
        limit: int,
        starting_after: DeliveryId | None,
    ) -> list[Delivery]:
        """Newest first."""
        ...

    async def attempts(self, delivery_id: DeliveryId) -> list[AttemptResult]: ...
    async def backlog(self) -> int:
        """Pending deliveries: what the ``qrpay_webhook_backlog`` gauge shows."""
        ...


class BackOfficeRepository(Protocol):
    async def add_refund(self, refund: Refund) -> None:
        """Record a refund that moved no money (failed, or pending an answer)."""
        ...

    async def expire_checkouts(self, now: datetime, limit: int) -> list[Checkout]:
        """Open checkouts past their expiry become expired, in one guarded UPDATE; those."""
        ...

    async def captured(self, start: datetime, end: datetime) -> list[Captured]:
        """Payments created in [start, end) that captured money, per merchant, network
        (the connector of the approved attempt) and currency."""
        ...

    async def refunded(self, start: datetime, end: datetime) -> list[tuple[SettlementKey, int]]:
        """Succeeded refunds created in [start, end), summed per key of their payment."""
        ...

    async def fees(self, start: datetime, end: datetime) -> list[tuple[SettlementKey, int]]:
        """Fee transfers created in [start, end) for payments, summed per key."""
        ...

    async def gateway_records(
        self, connector: str, start: datetime, end: datetime
    ) -> list[GatewayRecord]:
        """Attempts and refunds over ``connector`` created in [start, end), with their keys."""
        ...
