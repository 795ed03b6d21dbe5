"""The ledger repository: each rule, on SQLite and PostgreSQL, through the unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from qrpay.adapters.db.ledger import SqlLedgerRepository
from qrpay.adapters.db.store import SqlStore
from qrpay.domain.errors import (
    AccountNotFound,
    InsufficientFunds,
    TransferInvalid,
    TransferNotPending,
)
from qrpay.domain.ids import AccountId, TransferId
from qrpay.domain.ledger import AccountKind, TransferStatus, check_invariants
from tests import builders
from tests.integration.storage.conftest import WALLET_FUNDS_MINOR, Parties


async def _balances(store: SqlStore, *accounts: AccountId) -> dict[AccountId, tuple[int, ...]]:
    async with store() as uow:
        found = await uow.ledger.get_accounts(list(accounts))
    return {account_id: found[account_id].sums() for account_id in accounts}


async def _check_invariants(store: SqlStore) -> None:
    async with store() as uow:
        check_invariants(await uow.ledger.all_accounts(), await uow.ledger.all_transfers())


async def test_open_accounts_leaves_an_existing_account_as_it_is(
    sql_store: SqlStore, parties: Parties
) -> None:
    again = builders.account(parties.wallet_account.id, kind=AccountKind.FEES, no_overdraw=False)
    async with sql_store() as uow:
        await uow.ledger.open_accounts([again, builders.account("fees:THB")])
        await uow.commit()
    async with sql_store() as uow:
        found = await uow.ledger.get_accounts([again.id, AccountId("fees:THB")])
    assert found[again.id].kind is AccountKind.WALLET
    assert found[again.id].debits_must_not_exceed_credits
    assert found[again.id].credits_posted == WALLET_FUNDS_MINOR
    assert found[AccountId("fees:THB")].sums() == (0, 0, 0, 0)


async def test_get_accounts_omits_unknown_ids(sql_store: SqlStore, parties: Parties) -> None:
    async with sql_store() as uow:
        found = await uow.ledger.get_accounts([parties.funding.id, AccountId("nope")])
    assert set(found) == {parties.funding.id}


async def test_posted_transfer_moves_posted_sums(sql_store: SqlStore, parties: Parties) -> None:
    pay = builders.transfer(parties.wallet_account, parties.merchant_account, 1_250)
    async with sql_store() as uow:
        await uow.ledger.create_transfers([pay])
        await uow.commit()
    balances = await _balances(sql_store, parties.wallet_account.id, parties.merchant_account.id)
    assert balances[parties.wallet_account.id] == (0, 1_250, 0, WALLET_FUNDS_MINOR)
    assert balances[parties.merchant_account.id] == (0, 0, 0, 1_250)
    async with sql_store() as uow:
        stored = {t.id: t for t in await uow.ledger.all_transfers()}
    assert stored[pay.id] == pay
    await _check_invariants(sql_store)


async def test_transfer_beyond_available_is_refused(sql_store: SqlStore, parties: Parties) -> None:
    too_much = builders.transfer(
        parties.wallet_account, parties.merchant_account, WALLET_FUNDS_MINOR + 1
    )
    async with sql_store() as uow:
        with pytest.raises(InsufficientFunds):
            await uow.ledger.create_transfers([too_much])
    balances = await _balances(sql_store, parties.wallet_account.id)
    assert balances[parties.wallet_account.id] == (0, 0, 0, WALLET_FUNDS_MINOR)


async def test_pending_debits_reserve_funds(sql_store: SqlStore, parties: Parties) -> None:
    hold = builders.transfer(
        parties.wallet_account, parties.merchant_account, WALLET_FUNDS_MINOR - 10, pending=True
    )
    async with sql_store() as uow:
        await uow.ledger.create_transfers([hold])
        await uow.commit()
    async with sql_store() as uow:
        with pytest.raises(InsufficientFunds):
            await uow.ledger.create_transfers(
                [builders.transfer(parties.wallet_account, parties.merchant_account, 11)]
            )
    async with sql_store() as uow:
        await uow.ledger.create_transfers(
            [builders.transfer(parties.wallet_account, parties.merchant_account, 10)]
        )
        await uow.commit()
    await _check_invariants(sql_store)


async def test_an_account_without_the_flag_may_go_negative(
    sql_store: SqlStore, parties: Parties
) -> None:
    async with sql_store() as uow:
        await uow.ledger.create_transfers(
            [builders.transfer(parties.funding, parties.merchant_account, 7)]
        )
        await uow.commit()
    balances = await _balances(sql_store, parties.funding.id)
    assert balances[parties.funding.id] == (0, WALLET_FUNDS_MINOR + 7, 0, 0)


@pytest.mark.parametrize(
    ("debit", "credit", "amount", "currency_code", "error"),
    [
        ("wallet", "merchant", 0, "THB", TransferInvalid),
        ("wallet", "wallet", 5, "THB", TransferInvalid),
        ("wallet", "usd", 5, "THB", TransferInvalid),
        ("wallet", "merchant", 5, "USD", TransferInvalid),
        ("wallet", "missing", 5, "THB", AccountNotFound),
        ("missing", "merchant", 5, "THB", AccountNotFound),
    ],
    ids=["zero", "same-account", "currencies-differ", "transfer-currency", "no-credit", "no-debit"],
)
async def test_transfer_breaking_a_rule_is_refused(
    sql_store: SqlStore,
    parties: Parties,
    debit: str,
    credit: str,
    amount: int,
    currency_code: str,
    error: type[Exception],
) -> None:
    usd = builders.account(currency_code="USD")
    names = {
        "wallet": parties.wallet_account.id,
        "merchant": parties.merchant_account.id,
        "usd": usd.id,
        "missing": "acc_missing",
    }
    async with sql_store() as uow:
        await uow.ledger.open_accounts([usd])
        await uow.commit()
    bad = builders.transfer(
        names[debit], names[credit], amount, pending=amount == 0, currency_code=currency_code
    )
    async with sql_store() as uow:
        with pytest.raises(error):
            await uow.ledger.create_transfers([bad])
        with pytest.raises(AssertionError, match="cannot commit"):
            await uow.commit()
    async with sql_store() as uow:
        assert len(await uow.ledger.all_transfers()) == 1


@pytest.mark.parametrize("second", ["overdraws", "is-invalid"])
async def test_batch_failing_part_way_applies_nothing(sql_store: SqlStore, second: str) -> None:
    # given accounts whose ids put the credited one first in lock order, so that it is
    # written before the wallet's guard or the second transfer's check refuses
    funding = builders.account("acc_0_funding", kind=AccountKind.FUNDING)
    shop = builders.account("acc_1_shop", kind=AccountKind.MERCHANT)
    payer = builders.account("acc_9_payer", no_overdraw=True)
    async with sql_store() as uow:
        await uow.ledger.open_accounts([funding, shop, payer])
        await uow.ledger.create_transfers([builders.transfer(funding, payer, 100)])
        await uow.commit()
    before = await _balances(sql_store, shop.id, payer.id)
    ok = builders.transfer(payer, shop, 60)
    bad = builders.transfer(payer, shop, 60 if second == "overdraws" else 0, pending=True)
    # when the batch is applied, it is refused and its unit of work cannot be committed
    async with sql_store() as uow:
        with pytest.raises(InsufficientFunds if second == "overdraws" else TransferInvalid):
            await uow.ledger.create_transfers([ok, bad])
        with pytest.raises(AssertionError, match="cannot commit"):
            await uow.commit()
    # then nothing of it is stored
    assert await _balances(sql_store, shop.id, payer.id) == before
    async with sql_store() as uow:
        assert {t.id for t in await uow.ledger.all_transfers()}.isdisjoint({ok.id, bad.id})
    await _check_invariants(sql_store)


async def test_batch_is_checked_transfer_by_transfer_in_order(
    sql_store: SqlStore, parties: Parties
) -> None:
    # the wallet receives 50 from the merchant, then spends everything it then has
    refund = builders.transfer(parties.merchant_account, parties.wallet_account, 50)
    spend_all = builders.transfer(
        parties.wallet_account, parties.merchant_account, WALLET_FUNDS_MINOR + 50
    )
    async with sql_store() as uow:
        with pytest.raises(InsufficientFunds):
            await uow.ledger.create_transfers([spend_all, refund])
    async with sql_store() as uow:
        await uow.ledger.create_transfers([refund, spend_all])
        await uow.commit()
    balances = await _balances(sql_store, parties.wallet_account.id)
    assert balances[parties.wallet_account.id] == (
        0,
        WALLET_FUNDS_MINOR + 50,
        0,
        WALLET_FUNDS_MINOR + 50,
    )
    await _check_invariants(sql_store)


async def test_post_pending_in_full_and_in_part(sql_store: SqlStore, parties: Parties) -> None:
    full = builders.transfer(parties.wallet_account, parties.merchant_account, 300, pending=True)
    part = builders.transfer(parties.wallet_account, parties.merchant_account, 200, pending=True)
    async with sql_store() as uow:
        await uow.ledger.create_transfers([full, part])
        await uow.commit()
    async with sql_store() as uow:
        posted_full = await uow.ledger.post_pending(full.id, None)
        posted_part = await uow.ledger.post_pending(part.id, 120)
        await uow.commit()
    assert posted_full.status is TransferStatus.POSTED
    assert posted_full.amount_posted_minor == 300
    assert posted_part.amount_posted_minor == 120
    balances = await _balances(sql_store, parties.wallet_account.id, parties.merchant_account.id)
    assert balances[parties.wallet_account.id] == (0, 420, 0, WALLET_FUNDS_MINOR)
    assert balances[parties.merchant_account.id] == (0, 0, 0, 420)
    await _check_invariants(sql_store)


@pytest.mark.parametrize("amount", [0, -1, 301])
async def test_post_pending_outside_its_amount_is_refused(
    sql_store: SqlStore, parties: Parties, amount: int
) -> None:
    hold = builders.transfer(parties.wallet_account, parties.merchant_account, 300, pending=True)
    async with sql_store() as uow:
        await uow.ledger.create_transfers([hold])
        await uow.commit()
    async with sql_store() as uow:
        with pytest.raises(TransferInvalid):
            await uow.ledger.post_pending(hold.id, amount)
    async with sql_store() as uow:
        stored = {t.id: t for t in await uow.ledger.all_transfers()}
    assert stored[hold.id].status is TransferStatus.PENDING


async def test_void_and_expire_release_the_reservation(
    sql_store: SqlStore, parties: Parties
) -> None:
    voided = builders.transfer(parties.wallet_account, parties.merchant_account, 70, pending=True)
    expired = builders.transfer(parties.wallet_account, parties.merchant_account, 30, pending=True)
    async with sql_store() as uow:
        await uow.ledger.create_transfers([voided, expired])
        await uow.commit()
    async with sql_store() as uow:
        assert (await uow.ledger.void_pending(voided.id)).status is TransferStatus.VOIDED
        done = await uow.ledger.void_pending(expired.id, expired=True)
        await uow.commit()
    assert done.status is TransferStatus.EXPIRED
    balances = await _balances(sql_store, parties.wallet_account.id)
    assert balances[parties.wallet_account.id] == (0, 0, 0, WALLET_FUNDS_MINOR)
    await _check_invariants(sql_store)


@pytest.mark.parametrize("operation", ["post", "void"])
async def test_a_transfer_resolves_once(
    sql_store: SqlStore, parties: Parties, operation: str
) -> None:
    hold = builders.transfer(parties.wallet_account, parties.merchant_account, 10, pending=True)
    posted = builders.transfer(parties.wallet_account, parties.merchant_account, 10)
    async with sql_store() as uow:
        await uow.ledger.create_transfers([hold, posted])
        await uow.ledger.void_pending(hold.id)
        await uow.commit()
    async with sql_store() as uow:
        for transfer_id in (hold.id, posted.id, TransferId("tr_missing")):
            with pytest.raises(TransferNotPending):
                await _resolve(uow.ledger, operation, transfer_id)


async def _resolve(ledger: SqlLedgerRepository, operation: str, transfer_id: TransferId) -> None:
    if operation == "post":
        await ledger.post_pending(transfer_id, None)
    else:
        await ledger.void_pending(transfer_id)


async def test_transfers_of_pages_newest_first(sql_store: SqlStore, parties: Parties) -> None:
    paid = [
        builders.transfer(parties.wallet_account, parties.merchant_account, n) for n in (1, 2, 3)
    ]
    async with sql_store() as uow:
        await uow.ledger.create_transfers(paid)
        await uow.commit()
    async with sql_store() as uow:
        first = await uow.ledger.transfers_of(
            parties.wallet_account.id, limit=2, starting_after=None
        )
        rest = await uow.ledger.transfers_of(
            parties.wallet_account.id, limit=10, starting_after=first[-1].id
        )
        merchant = await uow.ledger.transfers_of(
            parties.merchant_account.id, limit=10, starting_after=None
        )
    assert [t.amount_minor for t in first] == [3, 2]
    assert [t.amount_minor for t in rest] == [1, WALLET_FUNDS_MINOR]
    assert [t.amount_minor for t in merchant] == [3, 2, 1]


@contextmanager
def _statements(store: SqlStore) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(store.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", record)


async def test_a_payment_is_a_fixed_number_of_statements(
    sql_store: SqlStore, parties: Parties
) -> None:
    pay = builders.transfer(parties.wallet_account, parties.merchant_account, 1_250)
    async with sql_store() as uow:
        with _statements(sql_store) as seen:
            await uow.ledger.create_transfers([pay])
        await uow.commit()
    kinds = [statement.split()[0] for statement in seen]
    assert kinds == ["SELECT", "UPDATE", "UPDATE", "INSERT"]
