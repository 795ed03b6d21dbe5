"""Several processes on one SQLite file: writers queue for the lock, none fails or deadlocks."""

from __future__ import annotations

import asyncio
import multiprocessing
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Final

import pytest
from sqlalchemy.engine import URL

from qrpay.adapters.db.store import SqlStore
from qrpay.domain.ledger import AccountKind, check_invariants
from tests import builders
from tests.databases import sqlite_url
from tests.loops import run_once

pytestmark = pytest.mark.parametrize("sql_backend", ["sqlite"], indirect=True)

PROCESSES: Final = 2
PAYMENTS_PER_PROCESS: Final = 150
JOIN_TIMEOUT_S: Final = 120
FUNDING = builders.account("funding:THB", kind=AccountKind.FUNDING)
SHOP = builders.account("acc_shop", kind=AccountKind.MERCHANT)


async def _pay(path: str, name: str, barrier: Barrier) -> None:
    store = SqlStore(sqlite_url(Path(path)))
    try:
        barrier.wait()
        for n in range(PAYMENTS_PER_PROCESS):
            # read first, then write: with a deferred BEGIN this is what deadlocks
            async with store() as uow:
                await uow.ledger.get_accounts([SHOP.id])
                paid = builders.transfer(FUNDING, SHOP, 1, transfer_id=f"tr_{name}_{n:04d}")
                await uow.ledger.create_transfers([paid])
                await uow.commit()
    finally:
        await store.dispose()


def _writer(path: str, name: str, barrier: Barrier) -> None:
    asyncio.run(_pay(path, name, barrier))


async def _open(store: SqlStore) -> None:
    async with store() as uow:
        await uow.ledger.open_accounts([FUNDING, SHOP])
        await uow.commit()


async def _totals(store: SqlStore) -> tuple[int, int]:
    async with store() as uow:
        accounts = await uow.ledger.all_accounts()
        transfers = await uow.ledger.all_transfers()
    check_invariants(accounts, transfers)
    shop = next(a for a in accounts if a.id == SHOP.id)
    return shop.credits_posted, len(transfers)


async def _with_store(url: URL, *, opening: bool) -> tuple[int, int]:
    store = SqlStore(url)
    try:
        if opening:
            await _open(store)
        return await _totals(store)
    finally:
        await store.dispose()


def test_two_processes_write_to_one_file_and_both_complete(sql_url: URL) -> None:
    assert run_once(_with_store(sql_url, opening=True)) == (0, 0)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    assert sql_url.database is not None
    writers = [
        context.Process(target=_writer, args=(sql_url.database, f"p{n}", barrier))
        for n in range(PROCESSES)
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(JOIN_TIMEOUT_S)
    assert [writer.exitcode for writer in writers] == [0] * PROCESSES
    total = PROCESSES * PAYMENTS_PER_PROCESS
    assert run_once(_with_store(sql_url, opening=False)) == (total, total)
