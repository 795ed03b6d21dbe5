"""The event outbox and the merchant's event log, in one table.

``add`` inserts in the caller's transaction: the event commits with the change it describes
or not at all. ``publish_next`` is the relay's step: it numbers the oldest unpublished
events after the highest position given so far. Publishers take turns: on PostgreSQL a
transaction-scoped advisory lock, on SQLite the write lock every transaction takes at
BEGIN. So a position is given only once every smaller one has committed, and a merchant
paging by position (``GET /v1/events?after=...``) never steps over an event that commits
late, which paging by creation time or by ``seq`` would (ids and sequences are taken
before commit, in another order).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Row, func, select, text, update

from qrpay.adapters.db.connection import Db
from qrpay.adapters.db.schema import events
from qrpay.domain.events import Event, EventId, EventType
from qrpay.domain.ids import MerchantId
from qrpay.services.notification_ports import StoredEvent

PUBLISH_ADVISORY_LOCK_KEY: Final = 0x717270_6576  # "qrpev": one publisher at a time
PUBLISH_BATCH_MAX: Final = 1_000

_e = events.c


class SqlEventRepository:
    def __init__(self, db: Db) -> None:
        self._db = db

    async def add(self, event: Event) -> None:
        row = {
            "id": event.id,
            "merchant_id": event.merchant_id,
            "type": event.type.value,
            "object_id": event.object_id,
            "data": event.data,
            "created_at": event.created_at,
        }
        await self._db.execute(events.insert(), row)

    async def get(self, event_id: EventId) -> StoredEvent | None:
        row = (await self._db.execute(select(events).where(_e.id == event_id))).first()
        return None if row is None else _stored(row)

    async def publish_next(self, now: datetime, limit: int) -> list[StoredEvent]:
        assert 1 <= limit <= PUBLISH_BATCH_MAX
        if self._db.dialect == "postgresql":
            await self._db.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": PUBLISH_ADVISORY_LOCK_KEY}
            )
        query = select(events).where(_e.position.is_(None)).order_by(_e.seq).limit(limit)
        rows = list(await self._db.execute(query))
        if not rows:
            return []
        highest = (await self._db.execute(select(func.max(_e.position)))).scalar()
        first = (highest or 0) + 1
        published = []
        for offset, row in enumerate(rows):
            position = first + offset
            result = await self._db.execute(
                update(events)
                .where(_e.seq == row.seq, _e.position.is_(None))
                .values(position=position, relayed_at=now)
            )
            assert result.rowcount == 1, "publishers take turns"
            published.append(StoredEvent(_event(row), position))
        return published

    async def page(
        self,
        merchant_id: MerchantId,
        *,
        after_position: int | None,
        types: Sequence[EventType],
        limit: int,
    ) -> list[StoredEvent]:
        conditions = [_e.merchant_id == merchant_id, _e.position.is_not(None)]
        if after_position is not None:
            conditions.append(_e.position > after_position)
        if types:
            conditions.append(_e.type.in_([t.value for t in types]))
        query = select(events).where(*conditions).order_by(_e.position).limit(limit)
        return [_stored(row) for row in await self._db.execute(query)]

    async def between(
        self, merchant_id: MerchantId, start: datetime, end: datetime, limit: int
    ) -> list[StoredEvent]:
        query = (
            select(events)
            .where(
                _e.merchant_id == merchant_id,
                _e.position.is_not(None),
                _e.created_at >= start,
                _e.created_at < end,
            )
            .order_by(_e.position)
            .limit(limit)
        )
        return [_stored(row) for row in await self._db.execute(query)]

    async def unpublished(self) -> int:
        query = select(func.count()).select_from(events).where(_e.position.is_(None))
        count: int = (await self._db.execute(query)).scalar_one()
        return count


def _event(row: Row[Any]) -> Event:
    return Event(
        id=EventId(row.id),
        type=EventType(row.type),
        merchant_id=MerchantId(row.merchant_id),
        object_id=row.object_id,
        data=row.data,
        created_at=row.created_at,
    )


def _stored(row: Row[Any]) -> StoredEvent:
    return StoredEvent(_event(row), row.position)
