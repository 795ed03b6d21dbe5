"""The database's own refusals: the second line of defence, tested by bypassing the code.

Each test writes rows with raw SQL, as a buggy repository or a hand-made fix might, and
shows that the database refuses the one that breaks a rule. ``translate`` then names the
refusal as the ledger or payment error the repositories would have raised.
"""

from __future__ import annotations

from typing import Final

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from qrpay.adapters.db.connection import translate
from qrpay.adapters.db.store import SqlStore
from qrpay.domain.errors import InsufficientFunds, RefundExceedsCaptured, TransferInvalid

AT: Final = "'2026-11-24T09:30:15.000000+00:00'"
ACCOUNTS: Final = (
    "INSERT INTO accounts VALUES ('funding', 'funding', 'THB', false, 0, 0, 0, 0)",
    "INSERT INTO accounts VALUES ('wallet', 'wallet', 'THB', true, 0, 0, 0, 10)",
    "INSERT INTO accounts VALUES ('shop', 'merchant', 'THB', false, 0, 0, 0, 0)",
    "INSERT INTO accounts VALUES ('dollars', 'merchant', 'USD', false, 0, 0, 0, 0)",
)
TRANSFER: Final = (
    "INSERT INTO transfers (id, debit_account_id, credit_account_id, amount_minor,"
    " amount_posted_minor, currency, code, status, created_at)"
    " VALUES ('t1', {debit}, {credit}, {amount}, {posted}, {currency}, 'payment', {status}, "
    + AT
    + ")"
)
PARTIES: Final = (
    *ACCOUNTS,
    "INSERT INTO merchants VALUES ('m1', 'Shop Co', 'Shop', 'Bangkok', 'TH', '5812', 'THB',"
    f" 'shop', 'active', {AT})",
)
PAYMENT: Final = (
    "INSERT INTO payments (id, merchant_id, amount_minor, currency, source, status, created_at,"
    " amount_captured_minor, amount_refunded_minor)"
    " VALUES ('p1', 'm1', {amount}, 'THB', 'qr', 'succeeded', " + AT + ", {captured}, {refunded})"
)


async def _refused(store: SqlStore, *statements: str) -> IntegrityError:
    """Run the statements in one transaction; the last one (or the commit) must be refused."""
    with pytest.raises(IntegrityError) as refusal:
        await _accepted(store, *statements)
    return refusal.value


async def _accepted(store: SqlStore, *statements: str) -> None:
    async with store.engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement))


def _transfer(
    debit: str = "'funding'",
    credit: str = "'shop'",
    amount: int = 5,
    posted: int = 5,
    currency: str = "'THB'",
    status: str = "'posted'",
) -> str:
    return TRANSFER.format(
        debit=debit, credit=credit, amount=amount, posted=posted, currency=currency, status=status
    )


async def test_the_valid_rows_of_these_tests_are_accepted(sql_store: SqlStore) -> None:
    await _accepted(
        sql_store, *PARTIES, _transfer(), PAYMENT.format(amount=5, captured=5, refunded=5)
    )


@pytest.mark.parametrize(
    "column", ["debits_pending", "debits_posted", "credits_pending", "credits_posted"]
)
async def test_account_sums_cannot_be_negative(sql_store: SqlStore, column: str) -> None:
    await _accepted(sql_store, *ACCOUNTS)
    refusal = await _refused(
        sql_store, f"UPDATE accounts SET {column} = {column} - 1 WHERE id = 'shop'"
    )
    assert isinstance(translate(refusal), TransferInvalid)


async def test_a_no_overdraw_account_cannot_be_overdrawn(sql_store: SqlStore) -> None:
    await _accepted(sql_store, *ACCOUNTS)
    refusal = await _refused(
        sql_store, "UPDATE accounts SET debits_posted = debits_posted + 11 WHERE id = 'wallet'"
    )
    assert isinstance(translate(refusal), InsufficientFunds)


async def test_pending_debits_count_against_a_no_overdraw_account(sql_store: SqlStore) -> None:
    await _accepted(
        sql_store, *ACCOUNTS, "UPDATE accounts SET debits_pending = 6 WHERE id = 'wallet'"
    )
    refusal = await _refused(sql_store, "UPDATE accounts SET debits_posted = 5 WHERE id = 'wallet'")
    assert isinstance(translate(refusal), InsufficientFunds)


@pytest.mark.parametrize(
    "row",
    [
        _transfer(amount=0, posted=0, status="'pending'"),
        _transfer(credit="'funding'"),
        _transfer(posted=6),
        _transfer(posted=-1, status="'pending'"),
        _transfer(posted=0, status="'posted'"),
        _transfer(posted=5, status="'voided'"),
        _transfer(status="'reversed'"),
    ],
    ids=[
        "amount-zero",
        "same-account",
        "posted-above-amount",
        "posted-negative",
        "posted-with-nothing",
        "voided-with-posted-amount",
        "unknown-status",
    ],
)
async def test_a_malformed_transfer_is_refused(sql_store: SqlStore, row: str) -> None:
    await _accepted(sql_store, *ACCOUNTS)
    refusal = await _refused(sql_store, row)
    assert isinstance(translate(refusal), TransferInvalid)


@pytest.mark.parametrize(
    "row",
    [
        _transfer(debit="'dollars'"),
        _transfer(credit="'dollars'"),
        _transfer(currency="'USD'"),
    ],
    ids=["debit-leg", "credit-leg", "both-legs"],
)
async def test_both_legs_are_in_the_transfers_currency(sql_store: SqlStore, row: str) -> None:
    await _accepted(sql_store, *ACCOUNTS)
    refusal = await _refused(sql_store, row)
    if sql_store.dialect == "postgresql":  # SQLite does not name the foreign key it checked
        assert isinstance(translate(refusal), TransferInvalid)


@pytest.mark.parametrize(
    ("amount", "captured", "refunded"),
    [(5, 5, 6), (5, 6, 0), (5, 5, -1), (0, 0, 0)],
    ids=["refunded-above-captured", "captured-above-amount", "refunded-negative", "amount-zero"],
)
async def test_payment_amounts_keep_their_order(
    sql_store: SqlStore, amount: int, captured: int, refunded: int
) -> None:
    await _accepted(sql_store, *PARTIES)
    refusal = await _refused(
        sql_store, PAYMENT.format(amount=amount, captured=captured, refunded=refunded)
    )
    if amount > 0:
        assert isinstance(translate(refusal), RefundExceedsCaptured)


async def test_refunds_cannot_be_raised_beyond_the_capture(sql_store: SqlStore) -> None:
    await _accepted(sql_store, *PARTIES, PAYMENT.format(amount=5, captured=5, refunded=3))
    refusal = await _refused(
        sql_store, "UPDATE payments SET amount_refunded_minor = amount_refunded_minor + 3"
    )
    assert isinstance(translate(refusal), RefundExceedsCaptured)


async def test_a_consumer_presented_token_pays_once(sql_store: SqlStore) -> None:
    payments = [
        PAYMENT.format(amount=5, captured=5, refunded=0),
        PAYMENT.format(amount=5, captured=5, refunded=0).replace("'p1'", "'p2'"),
    ]
    await _accepted(
        sql_store,
        *PARTIES,
        *payments,
        "INSERT INTO cpm_token_claims VALUES ('token', 'p1')",
    )
    await _refused(sql_store, "INSERT INTO cpm_token_claims VALUES ('token', 'p2')")


async def test_a_token_claim_needs_its_payment_by_commit(sql_store: SqlStore) -> None:
    await _accepted(sql_store, *PARTIES)
    await _refused(sql_store, "INSERT INTO cpm_token_claims VALUES ('token', 'p-missing')")


async def test_an_idempotency_key_is_recorded_once_per_scope(sql_store: SqlStore) -> None:
    row = (
        "INSERT INTO idempotency_records (scope, key, fingerprint, created_at, expires_at)"
        f" VALUES ({{scope}}, 'k', 'f', {AT}, {AT})"
    )
    await _accepted(sql_store, row.format(scope="'m1'"), row.format(scope="'m2'"))
    await _refused(sql_store, row.format(scope="'m1'"))
