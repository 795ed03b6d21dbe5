"""Webhook endpoints, their secrets' generations, deliveries and attempts.

Two workers never deliver the same attempt at once: ``claim`` leases a delivery to one
worker (``locked_by``, ``locked_until``) in a guarded UPDATE, and ``finish_attempt`` stores
a result only while that worker still holds the lease. On PostgreSQL the claim's SELECT
also takes the rows with FOR UPDATE SKIP LOCKED, so concurrent claims pass each other by
instead of queueing; on SQLite the database's write lock serialises them. A worker that
dies mid-delivery leaves a lease that runs out; the delivery is then claimed again.

Lock order: delivery rows before their endpoint's row, in every transaction that takes
both (finishing an attempt records the endpoint's last success; disabling an endpoint ends
its pending deliveries first), so two such transactions never wait on each other in a cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Row, func, or_, select, update

from qrpay.adapters.db.connection import Db
from qrpay.adapters.db.schema import (
    webhook_attempts,
    webhook_deliveries,
    webhook_endpoints,
    webhook_secrets,
)
from qrpay.domain.events import EventId
from qrpay.domain.ids import MerchantId
from qrpay.domain.webhooks import (
    AttemptResult,
    DeadReason,
    Decision,
    Delivery,
    DeliveryId,
    DeliveryOrigin,
    DeliveryStatus,
    DisabledReason,
    EndpointId,
    EndpointStatus,
    WebhookEndpoint,
)
from qrpay.services.notification_ports import SecretGeneration
from qrpay.services.unit_of_work import FETCH_SIZE_MAX

CLAIM_BATCH_MAX: Final = 100
ERROR_CHARS_MAX: Final = 500

_w = webhook_endpoints.c
_s = webhook_secrets.c
_d = webhook_deliveries.c
_a = webhook_attempts.c


class SqlWebhookRepository:
    def __init__(self, db: Db) -> None:
        self._db = db

    # endpoints

    async def add_endpoint(self, endpoint: WebhookEndpoint) -> None:
        await self._db.execute(webhook_endpoints.insert(), _endpoint_row(endpoint))

    async def get_endpoint(self, endpoint_id: EndpointId) -> WebhookEndpoint | None:
        row = (
            await self._db.execute(select(webhook_endpoints).where(_w.id == endpoint_id))
        ).first()
        return None if row is None else _endpoint(row)

    async def endpoints(self, merchant_id: MerchantId) -> list[WebhookEndpoint]:
        query = (
            select(webhook_endpoints)
            .where(_w.merchant_id == merchant_id, _w.status != EndpointStatus.DELETED.value)
            .order_by(_w.id)
        )
        return [_endpoint(row) for row in await self._db.execute(query)]

    async def update_endpoint(self, endpoint: WebhookEndpoint) -> None:
        row = _endpoint_row(endpoint)
        del row["id"], row["merchant_id"], row["created_at"]
        result = await self._db.execute(
            update(webhook_endpoints).where(_w.id == endpoint.id).values(**row)
        )
        assert result.rowcount == 1, f"endpoint {endpoint.id} is stored"

    # secrets

    async def add_secret(self, secret: SecretGeneration) -> None:
        row = {
            "endpoint_id": secret.endpoint_id,
            "generation": secret.generation,
            "key_version": secret.key_version,
            "created_at": secret.created_at,
            "expires_at": secret.expires_at,
        }
        await self._db.execute(webhook_secrets.insert(), row)

    async def secrets(self, endpoint_id: EndpointId) -> list[SecretGeneration]:
        query = (
            select(webhook_secrets)
            .where(_s.endpoint_id == endpoint_id)
            .order_by(_s.generation.desc())
        )
        return [
            SecretGeneration(
                EndpointId(r.endpoint_id), r.generation, r.key_version, r.created_at, r.expires_at
            )
            for r in await self._db.execute(query)
        ]

    async def expire_secret(self, endpoint_id: EndpointId, generation: int, at: datetime) -> None:
        await self._db.execute(
            update(webhook_secrets)
            .where(_s.endpoint_id == endpoint_id, _s.generation == generation)
            .values(expires_at=at)
        )

    # deliveries

    async def add_deliveries(self, deliveries: Sequence[Delivery]) -> None:
        if deliveries:
            await self._db.execute(
                webhook_deliveries.insert(), [_delivery_row(d) for d in deliveries]
            )

    async def get_delivery(self, delivery_id: DeliveryId) -> Delivery | None:
        query = select(webhook_deliveries).where(_d.id == delivery_id)
        row = (await self._db.execute(query)).first()
        return None if row is None else _delivery(row)

    async def claim(
        self, now: datetime, lease_until: datetime, worker: str, limit: int
    ) -> list[Delivery]:
        assert 1 <= limit <= CLAIM_BATCH_MAX
        assert lease_until > now
        free = or_(_d.locked_until.is_(None), _d.locked_until <= now)
        due = [_d.status == DeliveryStatus.PENDING.value, _d.next_attempt_at <= now, free]
        query = select(_d.id).where(*due).order_by(_d.next_attempt_at).limit(limit)
        if self._db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = [row.id for row in await self._db.execute(query)]
        if not ids:
            return []
        await self._db.execute(
            update(webhook_deliveries)
            .where(_d.id.in_(ids), *due)
            .values(locked_until=lease_until, locked_by=worker)
        )
        claimed = select(webhook_deliveries).where(
            _d.id.in_(ids), _d.locked_by == worker, _d.locked_until == lease_until
        )
        return [
            _delivery(row) for row in await self._db.execute(claimed.order_by(_d.next_attempt_at))
        ]

    async def finish_attempt(
        self,
        delivery: Delivery,
        worker: str,
        result: AttemptResult,
        decision: Decision,
        now: datetime,
    ) -> bool:
        number = delivery.attempts + 1
        done = decision.status is not DeliveryStatus.PENDING
        changed = await self._db.execute(
            update(webhook_deliveries)
            .where(
                _d.id == delivery.id,
                _d.locked_by == worker,
                _d.status == DeliveryStatus.PENDING.value,
                _d.attempts == delivery.attempts,
            )
            .values(
                status=decision.status.value,
                attempts=number,
                next_attempt_at=decision.next_attempt_at,
                first_attempt_at=delivery.first_attempt_at or result.started_at,
                last_attempt_at=result.started_at,
                last_status_code=result.status_code,
                last_error=_clip(result.error),
                completed_at=now if done else None,
                dead_reason=None if decision.dead_reason is None else decision.dead_reason.value,
                locked_until=None,
                locked_by=None,
            )
        )
        if changed.rowcount != 1:
            return False
        row = {
            "delivery_id": delivery.id,
            "number": number,
            "started_at": result.started_at,
            "duration_ms": result.duration_ms,
            "status_code": result.status_code,
            "error": _clip(result.error),
            "worker": worker,
        }
        await self._db.execute(webhook_attempts.insert(), row)
        if decision.endpoint_succeeded:
            await self._db.execute(
                update(webhook_endpoints)
                .where(_w.id == delivery.endpoint_id)
                .values(last_success_at=result.started_at)
            )
        return True

    async def end_pending(self, endpoint_id: EndpointId, reason: DeadReason, now: datetime) -> int:
        result = await self._db.execute(
            update(webhook_deliveries)
            .where(_d.endpoint_id == endpoint_id, _d.status == DeliveryStatus.PENDING.value)
            .values(
                status=DeliveryStatus.DEAD.value,
                next_attempt_at=None,
                completed_at=now,
                dead_reason=reason.value,
                locked_until=None,
                locked_by=None,
            )
        )
        return int(result.rowcount)

    async def deliveries(
        self,
        merchant_id: MerchantId | None,
        status: DeliveryStatus | None,
        *,
        limit: int,
        starting_after: DeliveryId | None,
    ) -> list[Delivery]:
        assert 1 <= limit <= FETCH_SIZE_MAX
        conditions = []
        if merchant_id is not None:
            conditions.append(_d.merchant_id == merchant_id)
        if status is not None:
            conditions.append(_d.status == status.value)
        if starting_after is not None:
            conditions.append(_d.id < starting_after)
        query = select(webhook_deliveries).where(*conditions).order_by(_d.id.desc()).limit(limit)
        return [_delivery(row) for row in await self._db.execute(query)]

    async def attempts(self, delivery_id: DeliveryId) -> list[AttemptResult]:
        query = select(webhook_attempts).where(_a.delivery_id == delivery_id).order_by(_a.number)
        return [
            AttemptResult(r.started_at, r.duration_ms, r.status_code, r.error)
            for r in await self._db.execute(query)
        ]

    async def backlog(self) -> int:
        query = (
            select(func.count())
            .select_from(webhook_deliveries)
            .where(_d.status == DeliveryStatus.PENDING.value)
        )
        count: int = (await self._db.execute(query)).scalar_one()
        return count


def _clip(error: str | None) -> str | None:
    return None if error is None else error[:ERROR_CHARS_MAX]


def _endpoint_row(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "merchant_id": endpoint.merchant_id,
        "url": endpoint.url,
        "event_types": list(endpoint.event_types),
        "description": endpoint.description,
        "status": endpoint.status.value,
        "disabled_reason": None
        if endpoint.disabled_reason is None
        else endpoint.disabled_reason.value,
        "disabled_at": endpoint.disabled_at,
        "last_success_at": endpoint.last_success_at,
        "created_at": endpoint.created_at,
        "updated_at": endpoint.updated_at,
    }


def _endpoint(row: Row[Any]) -> WebhookEndpoint:
    return WebhookEndpoint(
        id=EndpointId(row.id),
        merchant_id=MerchantId(row.merchant_id),
        url=row.url,
        event_types=tuple(row.event_types),
        status=EndpointStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        description=row.description,
        disabled_reason=None
        if row.disabled_reason is None
        else DisabledReason(row.disabled_reason),
        disabled_at=row.disabled_at,
        last_success_at=row.last_success_at,
    )


def _delivery_row(d: Delivery) -> dict[str, Any]:
    return {
        "id": d.id,
        "event_id": d.event_id,
        "endpoint_id": d.endpoint_id,
        "merchant_id": d.merchant_id,
        "origin": d.origin.value,
        "status": d.status.value,
        "attempts": d.attempts,
        "next_attempt_at": d.next_attempt_at,
        "created_at": d.created_at,
        "first_attempt_at": d.first_attempt_at,
        "last_attempt_at": d.last_attempt_at,
        "last_status_code": d.last_status_code,
        "last_error": d.last_error,
        "completed_at": d.completed_at,
        "dead_reason": None if d.dead_reason is None else d.dead_reason.value,
    }


def _delivery(row: Row[Any]) -> Delivery:
    return Delivery(
        id=DeliveryId(row.id),
        event_id=EventId(row.event_id),
        endpoint_id=EndpointId(row.endpoint_id),
        merchant_id=MerchantId(row.merchant_id),
        origin=DeliveryOrigin(row.origin),
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        created_at=row.created_at,
        first_attempt_at=row.first_attempt_at,
        last_attempt_at=row.last_attempt_at,
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        completed_at=row.completed_at,
        dead_reason=None if row.dead_reason is None else DeadReason(row.dead_reason),
    )
