"""Idempotency records: the first begin inserts, later ones get the record; expiry frees a key."""

from __future__ import annotations

from datetime import timedelta

from qrpay.adapters.db.store import SqlStore
from qrpay.domain.idempotency import IdempotencyRecord, fingerprint
from tests import builders

TTL = timedelta(hours=24)


def _record(
    key: str = "key-1", body: bytes = b"{}", scope: str = "merchant:mer_1"
) -> IdempotencyRecord:
    return IdempotencyRecord(
        scope, key, fingerprint("POST", "/v1/payments", body), builders.NOW, builders.NOW + TTL
    )


async def test_begin_inserts_then_returns_the_stored_record(sql_store: SqlStore) -> None:
    record = _record()
    async with sql_store() as uow:
        assert await uow.idempotency.begin(record) is None
        await uow.commit()
    async with sql_store() as uow:
        assert await uow.idempotency.begin(_record(body=b"other")) == record
    async with sql_store() as uow:
        await uow.idempotency.complete(record.scope, record.key, 201, b'{"id":"pay_1"}')
        await uow.commit()
    async with sql_store() as uow:
        replay = await uow.idempotency.begin(record)
    assert replay is not None
    assert replay.completed
    assert (replay.response_status, replay.response_body) == (201, b'{"id":"pay_1"}')


async def test_a_key_is_scoped_to_its_caller(sql_store: SqlStore) -> None:
    async with sql_store() as uow:
        assert await uow.idempotency.begin(_record(scope="merchant:mer_1")) is None
        assert await uow.idempotency.begin(_record(scope="merchant:mer_2")) is None
        await uow.commit()


async def test_a_rolled_back_begin_leaves_the_key_free(sql_store: SqlStore) -> None:
    async with sql_store() as uow:
        assert await uow.idempotency.begin(_record()) is None
    async with sql_store() as uow:
        assert await uow.idempotency.begin(_record()) is None


async def test_an_expired_record_is_replaced_and_purged(sql_store: SqlStore) -> None:
    old = _record("old")
    async with sql_store() as uow:
        assert await uow.idempotency.begin(old) is None
        assert await uow.idempotency.begin(_record("kept")) is None
        await uow.idempotency.complete(old.scope, old.key, 200, b"old answer")
        await uow.commit()
    later = builders.NOW + TTL
    reused = IdempotencyRecord(old.scope, old.key, "f2", later, later + TTL)
    async with sql_store() as uow:
        assert await uow.idempotency.begin(reused) is None
        await uow.commit()
    async with sql_store() as uow:
        assert await uow.idempotency.begin(reused) == reused
        assert await uow.idempotency.purge_expired(later) == 1
        assert await uow.idempotency.purge_expired(later) == 0
        await uow.commit()
    async with sql_store() as uow:
        assert await uow.idempotency.begin(_record("kept")) is None
