"""Races on PostgreSQL: many units of work at once, each in its own transaction.

Every test first opens all of its units of work and waits at a barrier until each holds a
transaction, so that the statements really meet at the database, then checks that the
guarded statements let exactly the right number through. SQLite is not raced here: it
runs one writer at a time by construction (BEGIN IMMEDIATE; see test_sqlite_processes).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Final, TypeVar

import pytest
from sqlalchemy.engine import URL

from qrpay.adapters.db.engine import EngineLimits
from qrpay.adapters.db.store import SqlStore
from qrpay.adapters.db.unit_of_work import SqlUnitOfWork
from qrpay.domain.errors import InsufficientFunds
from qrpay.domain.idempotency import IdempotencyRecord
from qrpay.domain.ids import RefundId
from qrpay.domain.ledger import Account, AccountKind, Transfer, check_invariants
from qrpay.domain.money import Money
from qrpay.domain.payments import PaymentStatus, Refund, RefundStatus
from tests import builders

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("sql_backend", ["postgres"], indirect=True),
]

CONNECTIONS_MAX: Final = 55
T = TypeVar("T")


@pytest.fixture
async def store(sql_url: URL) -> AsyncIterator[SqlStore]:
    """A store with a connection for each racer, so none waits for the pool."""
    wide = SqlStore(sql_url, EngineLimits(pool_size=CONNECTIONS_MAX, pool_overflow_max=0))
    yield wide
    await wide.dispose()


async def _race(
    store: SqlStore, racers: int, work: Callable[[SqlUnitOfWork, int], Awaitable[T]]
) -> list[T | BaseException]:
    """Run ``work`` in ``racers`` units of work that all hold a transaction before any starts."""
    barrier = asyncio.Barrier(racers)

    async def racer(index: int) -> T:
        async with store() as uow:
            await uow.ledger.get_accounts([])  # nothing read: the transaction is open
            await barrier.wait()
            result = await work(uow, index)
            await uow.commit()
            return result

    return await asyncio.gather(*(racer(n) for n in range(racers)), return_exceptions=True)


async def _open(store: SqlStore, *accounts: Account, funds_minor: int = 0) -> None:
    """Open the accounts; give the first ``funds_minor`` from the funding account."""
    funding = builders.account("funding:THB", kind=AccountKind.FUNDING)
    async with store() as uow:
        await uow.ledger.open_accounts([funding, *accounts])
        if funds_minor:
            await uow.ledger.create_transfers(
                [builders.transfer(funding, accounts[0], funds_minor)]
            )
        await uow.commit()


async def test_fifty_payments_from_a_wallet_funded_for_ten(store: SqlStore) -> None:
    # given a wallet holding exactly 10 units
    wallet = builders.account(no_overdraw=True)
    shop = builders.account(kind=AccountKind.MERCHANT)
    await _open(store, wallet, shop, funds_minor=10)
    observed: list[int] = []
    done = asyncio.Event()

    async def observe() -> None:
        while not done.is_set():
            async with store() as uow:
                found = (await uow.ledger.get_accounts([wallet.id]))[wallet.id]
            observed.append(found.available_minor)
            await asyncio.sleep(0)

    async def pay_one(uow: SqlUnitOfWork, _: int) -> None:
        await uow.ledger.create_transfers([builders.transfer(wallet, shop, 1)])

    # when 50 units of work each pay 1 from it at the same time
    observer = asyncio.create_task(observe())
    outcomes = await _race(store, 50, pay_one)
    done.set()
    await observer
    # then exactly 10 commit, the others are refused, and it never went below zero
    assert sum(outcome is None for outcome in outcomes) == 10
    assert all(isinstance(o, InsufficientFunds) for o in outcomes if o is not None)
    async with store() as uow:
        accounts = await uow.ledger.all_accounts()
        transfers = await uow.ledger.all_transfers()
    check_invariants(accounts, transfers)
    final = {account.id: account for account in accounts}[wallet.id]
    assert (final.balance_minor, final.available_minor) == (0, 0)
    assert observed
    assert min(observed) >= 0


async def test_twenty_requests_with_one_idempotency_key_make_one_record(store: SqlStore) -> None:
    record = IdempotencyRecord(
        "merchant:mer_1", "key-1", "f" * 64, builders.NOW, builders.NOW + timedelta(days=1)
    )

    async def begin(uow: SqlUnitOfWork, _: int) -> IdempotencyRecord | None:
        existing = await uow.idempotency.begin(record)
        if existing is None:
            await asyncio.sleep(0.05)  # the first request's work, while the others wait
            await uow.idempotency.complete(record.scope, record.key, 201, b'{"id":"pay_1"}')
        return existing

    outcomes = await _race(store, 20, begin)
    assert not [o for o in outcomes if isinstance(o, BaseException)]
    assert sum(outcome is None for outcome in outcomes) == 1
    replays = [o for o in outcomes if isinstance(o, IdempotencyRecord)]
    assert len(replays) == 19
    assert {(r.response_status, r.response_body) for r in replays} == {(201, b'{"id":"pay_1"}')}


async def test_ten_refunds_beyond_the_capture_never_over_refund(store: SqlStore) -> None:
    # given a captured payment of 1000
    wallet_account = builders.account(no_overdraw=True)
    shop_account = builders.account(kind=AccountKind.MERCHANT)
    await _open(
        store,
        wallet_account,
        shop_account,
    )
    merchant = builders.merchant(shop_account.id)
    wallet = builders.wallet(wallet_account.id)
    payment = builders.payment(merchant.id, wallet.id, 1_000)
    payment.succeed()
    async with store() as uow:
        await uow.merchants.add(merchant)
        await uow.wallets.add(wallet)
        await uow.payments.add(payment)
        await uow.commit()

    async def refund(uow: SqlUnitOfWork, index: int) -> bool:
        money = Money.of(150, "THB")
        refund = Refund(
            RefundId(f"ref_{index}"), payment.id, money, RefundStatus.SUCCEEDED, builders.NOW
        )
        return await uow.payments.apply_refund(refund, PaymentStatus.PARTIALLY_REFUNDED)

    # when ten refunds of 150 race
    outcomes = await _race(store, 10, refund)
    # then six fit, four are refused, and the stored total is what was refunded
    assert outcomes.count(True) == 6
    assert outcomes.count(False) == 4
    async with store() as uow:
        stored = await uow.payments.get(payment.id)
        refunds = await uow.payments.refunds(payment.id)
    assert stored is not None
    assert stored.amount_refunded_minor == 900 == sum(r.amount.amount_minor for r in refunds)
    assert stored.status is PaymentStatus.PARTIALLY_REFUNDED


async def test_a_checkout_and_a_token_are_each_taken_once(store: SqlStore) -> None:
    shop_account = builders.account(kind=AccountKind.MERCHANT)
    await _open(
        store,
        shop_account,
    )
    merchant = builders.merchant(shop_account.id)
    checkout = builders.checkout(merchant.id)
    payments = [builders.payment(merchant.id) for _ in range(10)]
    async with store() as uow:
        await uow.merchants.add(merchant)
        await uow.checkouts.add(checkout)
        for payment in payments:
            await uow.payments.add(payment)
        await uow.commit()

    async def take(uow: SqlUnitOfWork, index: int) -> tuple[bool, bool]:
        paid = await uow.checkouts.mark_paid(checkout.id, payments[index].id, builders.NOW)
        claimed = await uow.payments.claim_cpm_token("token-1", payments[index].id)
        return paid, claimed

    outcomes = await _race(store, 10, take)
    assert sum(1 for o in outcomes if isinstance(o, tuple) and o[0]) == 1
    assert sum(1 for o in outcomes if isinstance(o, tuple) and o[1]) == 1


async def test_batches_over_the_same_accounts_in_any_order_never_deadlock(
    store: SqlStore,
) -> None:
    # given five accounts, and forty batches that each move money around all of them in a
    # random order (on PostgreSQL a lock-order cycle would abort one as a deadlock)
    accounts = [builders.account(f"acc_ring_{n}", kind=AccountKind.FUNDING) for n in range(5)]
    await _open(
        store,
        *accounts,
    )
    shuffler = random.Random(20261124)

    def batch() -> list[Transfer]:
        order = shuffler.sample(accounts, len(accounts))
        return [
            builders.transfer(order[n], order[(n + 1) % len(order)], shuffler.randint(1, 9))
            for n in range(len(order))
        ]

    batches = [batch() for _ in range(40)]

    async def move(uow: SqlUnitOfWork, index: int) -> None:
        await uow.ledger.create_transfers(batches[index])

    outcomes = await _race(store, len(batches), move)
    assert outcomes == [None] * len(batches)
    async with store() as uow:
        stored = await uow.ledger.all_transfers()
        check_invariants(await uow.ledger.all_accounts(), stored)
    assert len(stored) == sum(len(b) for b in batches)
