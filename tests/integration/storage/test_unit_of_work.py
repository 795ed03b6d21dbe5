"""The unit of work: one transaction per block, and the database's troubles as typed errors."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import URL

from qrpay.adapters.db.engine import EngineLimits
from qrpay.adapters.db.store import SqlStore
from qrpay.adapters.db.url import async_url
from qrpay.domain.errors import NotMigrated, Unavailable
from qrpay.domain.ids import AccountId
from tests import builders

NOBODY_LISTENS = "postgresql://qrpay@127.0.0.1:9/qrpay"  # the discard port


async def _account_ids(store: SqlStore) -> set[AccountId]:
    async with store() as uow:
        return {account.id for account in await uow.ledger.all_accounts()}


async def test_leaving_without_commit_rolls_back(sql_store: SqlStore) -> None:
    async with sql_store() as uow:
        await uow.ledger.open_accounts([builders.account("acc_gone")])
    async with sql_store() as uow:
        await uow.ledger.open_accounts([builders.account("acc_kept")])
        await uow.commit()
    assert await _account_ids(sql_store) == {"acc_kept"}


async def test_an_error_in_the_block_rolls_back(sql_store: SqlStore) -> None:
    async def fail_after_writing() -> None:
        async with sql_store() as uow:
            await uow.ledger.open_accounts([builders.account("acc_gone")])
            raise RuntimeError

    with pytest.raises(RuntimeError):
        await fail_after_writing()
    assert await _account_ids(sql_store) == set()


async def test_rollback_discards_and_the_unit_of_work_goes_on(sql_store: SqlStore) -> None:
    async with sql_store() as uow:
        await uow.ledger.open_accounts([builders.account("acc_gone")])
        await uow.rollback()
        await uow.ledger.open_accounts([builders.account("acc_kept")])
        await uow.commit()
    assert await _account_ids(sql_store) == {"acc_kept"}


async def test_ping_and_check_pass_on_a_migrated_database(sql_store: SqlStore) -> None:
    await sql_store.ping()
    await sql_store.check_migrated()


async def test_an_unmigrated_database_says_so(blank_sql_url: URL) -> None:
    store = SqlStore(blank_sql_url)
    try:
        with pytest.raises(NotMigrated, match="qrpay migrate"):
            async with store() as uow:
                await uow.ledger.all_accounts()
    finally:
        await store.dispose()


async def test_an_unreachable_server_is_unavailable() -> None:
    store = SqlStore(async_url(NOBODY_LISTENS), EngineLimits(connect_timeout_s=1))
    try:
        with pytest.raises(Unavailable):
            async with store():
                pass
        with pytest.raises(Unavailable):
            await store.ping()
        with pytest.raises(Unavailable):
            await store.check_migrated()
        with pytest.raises(Unavailable):
            await store.migrate()
    finally:
        await store.dispose()


async def test_waiting_on_a_lock_past_the_timeout_is_unavailable(sql_url: URL) -> None:
    # given one unit of work holding a write lock on an account (on SQLite: the database)
    limits = EngineLimits(statement_timeout_ms=200, sqlite_busy_timeout_ms=200)
    store = SqlStore(sql_url, limits)
    funding = builders.account("funding:THB")
    shop = builders.account("acc_shop")
    try:
        async with store() as uow:
            await uow.ledger.open_accounts([funding, shop])
            await uow.commit()
        async with store() as holder:
            await holder.ledger.create_transfers([builders.transfer(funding, shop, 1)])
            # when another one wants the same rows, it gives up after the timeout
            with pytest.raises(Unavailable):
                async with store() as waiter:
                    await waiter.ledger.create_transfers([builders.transfer(funding, shop, 2)])
    finally:
        await store.dispose()


async def test_a_pool_with_no_free_connection_is_unavailable(sql_url: URL) -> None:
    store = SqlStore(sql_url, EngineLimits(pool_size=1, pool_overflow_max=0, pool_timeout_s=0.1))
    try:
        async with store():
            with pytest.raises(Unavailable, match="busy"):
                async with store():
                    pass
    finally:
        await store.dispose()
