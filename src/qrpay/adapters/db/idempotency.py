"""Idempotency records: one per (scope, key), claimed by a single INSERT.

``begin`` inserts the record with ``ON CONFLICT``: on PostgreSQL an insert that meets a key
another transaction has just inserted waits for that transaction, then sees its outcome;
on SQLite transactions are serialised by BEGIN IMMEDIATE. If nothing was inserted, the
committed record is read and returned. A record past its ``expires_at`` is replaced in the
same statement, so an expired key is new again even before ``purge_expired`` runs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import delete, select, update

from qrpay.adapters.db.connection import Db
from qrpay.adapters.db.schema import idempotency_records
from qrpay.domain.idempotency import IdempotencyRecord

_r = idempotency_records.c
# A purge may delete the record between the insert that met it and the read: try again.
_BEGIN_ATTEMPTS_MAX: Final = 2


class SqlIdempotencyRepository:
    def __init__(self, db: Db) -> None:
        self._db = db

    async def begin(self, record: IdempotencyRecord) -> IdempotencyRecord | None:
        assert not record.completed, "a record begins unfinished"
        for _ in range(_BEGIN_ATTEMPTS_MAX):
            if await self._insert(record):
                return None
            query = select(idempotency_records).where(
                _r.scope == record.scope, _r.key == record.key
            )
            row = (await self._db.execute(query)).first()
            if row is not None:
                return IdempotencyRecord(
                    row.scope,
                    row.key,
                    row.fingerprint,
                    row.created_at,
                    row.expires_at,
                    row.response_status,
                    row.response_body,
                )
        raise AssertionError(f"idempotency key {record.key!r} neither inserted nor found")

    async def complete(self, scope: str, key: str, status: int, body: bytes) -> None:
        statement = (
            update(idempotency_records)
            .where(_r.scope == scope, _r.key == key, _r.response_status.is_(None))
            .values(response_status=status, response_body=body)
        )
        result = await self._db.execute(statement)
        assert result.rowcount == 1, "only a begun, unfinished record completes"

    async def purge_expired(self, now: datetime) -> int:
        result = await self._db.execute(delete(idempotency_records).where(_r.expires_at <= now))
        return result.rowcount

    async def _insert(self, record: IdempotencyRecord) -> bool:
        statement = self._db.insert(idempotency_records).values(
            scope=record.scope,
            key=record.key,
            fingerprint=record.fingerprint,
            created_at=record.created_at,
            expires_at=record.expires_at,
        )
        new = statement.excluded
        replace_expired = statement.on_conflict_do_update(
            index_elements=["scope", "key"],
            set_={
                "fingerprint": new.fingerprint,
                "created_at": new.created_at,
                "expires_at": new.expires_at,
                "response_status": None,
                "response_body": None,
            },
            where=_r.expires_at <= new.created_at,
        )
        result = await self._db.execute(replace_expired.returning(_r.scope))
        return result.first() is not None
