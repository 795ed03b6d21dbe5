"""The ledger's rules, one test each, on the in-memory ``Ledger`` (the stores' model)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from qrpay.domain.errors import (
    AccountNotFound,
    InsufficientFunds,
    TransferInvalid,
    TransferNotPending,
)
from qrpay.domain.ids import AccountId, TransferId
from qrpay.domain.ledger import (
    Account,
    AccountKind,
    Ledger,
    TransferStatus,
    check_invariants,
    sums_from_transfers,
)
from qrpay.domain.money import AMOUNT_MINOR_MAX
from tests import builders


@pytest.fixture
def ledger() -> Ledger:
    """Funding (may go negative), a wallet holding 100 that may not, a shop, a USD account."""
    ledger = Ledger()
    for account in (
        builders.account("funding", kind=AccountKind.FUNDING),
        builders.account("wallet", no_overdraw=True),
        builders.account("shop", kind=AccountKind.MERCHANT),
        builders.account("dollars", currency_code="USD"),
    ):
        ledger.open_account(account)
    ledger.create_transfers([builders.transfer("funding", "wallet", 100)])
    return ledger


def _sums(ledger: Ledger, account_id: str) -> tuple[int, int, int, int]:
    return ledger.accounts[AccountId(account_id)].sums()


def test_a_posted_transfer_moves_posted_sums_on_both_sides(ledger: Ledger) -> None:
    ledger.create_transfers([builders.transfer("wallet", "shop", 30)])
    assert _sums(ledger, "wallet") == (0, 30, 0, 100)
    assert _sums(ledger, "shop") == (0, 0, 0, 30)
    check_invariants(ledger.accounts.values(), ledger.transfers.values())


def test_balance_and_available_are_derived_from_the_sums() -> None:
    account = Account(AccountId("a"), AccountKind.WALLET, "THB", True, 5, 10, 7, 40)
    assert account.balance_minor == 30
    assert account.available_minor == 25


@pytest.mark.parametrize("amount", [0, AMOUNT_MINOR_MAX + 1])
def test_a_transfer_amount_must_be_positive_and_bounded(ledger: Ledger, amount: int) -> None:
    with pytest.raises(TransferInvalid):
        ledger.create_transfers([builders.transfer("funding", "shop", amount, pending=True)])


def test_a_transfer_needs_two_different_accounts(ledger: Ledger) -> None:
    with pytest.raises(TransferInvalid):
        ledger.create_transfers([builders.transfer("shop", "shop", 1)])


def test_both_accounts_are_in_the_transfers_currency(ledger: Ledger) -> None:
    with pytest.raises(TransferInvalid):
        ledger.create_transfers([builders.transfer("funding", "dollars", 1)])
    with pytest.raises(TransferInvalid):
        ledger.create_transfers([builders.transfer("funding", "shop", 1, currency_code="USD")])


def test_a_new_transfer_is_pending_or_posted(ledger: Ledger) -> None:
    voided = replace(
        builders.transfer("funding", "shop", 1, pending=True), status=TransferStatus.VOIDED
    )
    with pytest.raises(TransferInvalid):
        ledger.create_transfers([voided])


def test_an_unknown_account_is_refused(ledger: Ledger) -> None:
    with pytest.raises(AccountNotFound):
        ledger.create_transfers([builders.transfer("funding", "nobody", 1)])


def test_a_no_overdraw_account_cannot_pay_beyond_its_balance(ledger: Ledger) -> None:
    with pytest.raises(InsufficientFunds):
        ledger.create_transfers([builders.transfer("wallet", "shop", 101)])
    ledger.create_transfers([builders.transfer("wallet", "shop", 100)])
    assert ledger.accounts[AccountId("wallet")].available_minor == 0


def test_an_account_without_the_flag_may_go_negative(ledger: Ledger) -> None:
    ledger.create_transfers([builders.transfer("shop", "funding", 5)])
    assert ledger.accounts[AccountId("shop")].balance_minor == -5


def test_pending_debits_reserve_what_they_may_take(ledger: Ledger) -> None:
    ledger.create_transfers([builders.transfer("wallet", "shop", 80, pending=True)])
    assert _sums(ledger, "wallet") == (80, 0, 0, 100)
    assert _sums(ledger, "shop") == (0, 0, 80, 0)
    with pytest.raises(InsufficientFunds):
        ledger.create_transfers([builders.transfer("wallet", "shop", 21)])


def test_a_failed_batch_applies_nothing(ledger: Ledger) -> None:
    before = {account_id: a.sums() for account_id, a in ledger.accounts.items()}
    transfers_before = dict(ledger.transfers)
    batch = [
        builders.transfer("wallet", "shop", 60),
        builders.transfer("funding", "shop", 5, pending=True),
        builders.transfer("wallet", "shop", 60),
    ]
    with pytest.raises(InsufficientFunds):
        ledger.create_transfers(batch)
    assert {account_id: a.sums() for account_id, a in ledger.accounts.items()} == before
    assert ledger.transfers == transfers_before


def test_a_batch_applies_in_order(ledger: Ledger) -> None:
    refund = builders.transfer("shop", "wallet", 50)
    spend = builders.transfer("wallet", "shop", 150)
    with pytest.raises(InsufficientFunds):
        ledger.create_transfers([spend, refund])
    ledger.create_transfers([refund, spend])
    assert ledger.accounts[AccountId("wallet")].balance_minor == 0


def test_posting_in_full_moves_pending_to_posted(ledger: Ledger) -> None:
    hold = builders.transfer("wallet", "shop", 80, pending=True)
    ledger.create_transfers([hold])
    posted = ledger.post_pending(hold.id)
    assert (posted.status, posted.amount_posted_minor) == (TransferStatus.POSTED, 80)
    assert _sums(ledger, "wallet") == (0, 80, 0, 100)
    assert _sums(ledger, "shop") == (0, 0, 0, 80)


def test_posting_in_part_releases_the_rest(ledger: Ledger) -> None:
    hold = builders.transfer("wallet", "shop", 80, pending=True)
    ledger.create_transfers([hold])
    assert ledger.post_pending(hold.id, 30).amount_posted_minor == 30
    assert _sums(ledger, "wallet") == (0, 30, 0, 100)
    assert ledger.accounts[AccountId("wallet")].available_minor == 70


@pytest.mark.parametrize("amount", [0, 81])
def test_posting_outside_the_pending_amount_is_refused(ledger: Ledger, amount: int) -> None:
    hold = builders.transfer("wallet", "shop", 80, pending=True)
    ledger.create_transfers([hold])
    with pytest.raises(TransferInvalid):
        ledger.post_pending(hold.id, amount)
    assert ledger.transfers[hold.id].status is TransferStatus.PENDING


def test_only_a_pending_transfer_posts_or_voids(ledger: Ledger) -> None:
    posted = next(iter(ledger.transfers))
    for transfer_id in (posted, TransferId("missing")):
        with pytest.raises(TransferNotPending):
            ledger.post_pending(transfer_id)
        with pytest.raises(TransferNotPending):
            ledger.void_pending(transfer_id)


def test_voiding_releases_the_reservation(ledger: Ledger) -> None:
    hold = builders.transfer("wallet", "shop", 80, pending=True)
    ledger.create_transfers([hold])
    voided = ledger.void_pending(hold.id)
    assert (voided.status, voided.amount_posted_minor) == (TransferStatus.VOIDED, 0)
    assert _sums(ledger, "wallet") == (0, 0, 0, 100)
    assert _sums(ledger, "shop") == (0, 0, 0, 0)


def test_expire_pending_releases_only_what_is_due(ledger: Ledger) -> None:
    due = builders.transfer(
        "wallet", "shop", 10, pending=True, timeout_at=builders.NOW + timedelta(seconds=30)
    )
    later = builders.transfer(
        "wallet", "shop", 20, pending=True, timeout_at=builders.NOW + timedelta(seconds=90)
    )
    forever = builders.transfer("wallet", "shop", 30, pending=True)
    ledger.create_transfers([due, later, forever])
    expired = ledger.expire_pending(builders.NOW + timedelta(seconds=30))
    assert [t.id for t in expired] == [due.id]
    assert expired[0].status is TransferStatus.EXPIRED
    assert _sums(ledger, "wallet") == (50, 0, 0, 100)


def test_sums_derive_from_the_transfers(ledger: Ledger) -> None:
    hold = builders.transfer("wallet", "shop", 40, pending=True)
    part = builders.transfer("wallet", "shop", 40, pending=True)
    ledger.create_transfers([hold, part, builders.transfer("wallet", "shop", 5)])
    ledger.post_pending(part.id, 15)
    derived = sums_from_transfers(ledger.transfers.values())
    for account in ledger.accounts.values():
        assert derived.get(account.id, (0, 0, 0, 0)) == account.sums()


@pytest.mark.parametrize(
    "corruption",
    ["negative", "not-from-transfers", "overdrawn", "unbalanced"],
)
def test_check_invariants_finds_each_corruption(ledger: Ledger, corruption: str) -> None:
    accounts = {a.id: replace(a) for a in ledger.accounts.values()}
    wallet = accounts[AccountId("wallet")]
    if corruption == "negative":
        wallet.debits_pending = -1
    elif corruption == "not-from-transfers":
        wallet.credits_posted += 1
        accounts[AccountId("funding")].debits_posted += 1
    elif corruption == "overdrawn":
        transfers = [*ledger.transfers.values(), builders.transfer("wallet", "shop", 101)]
        wallet.debits_posted += 101
        accounts[AccountId("shop")].credits_posted += 101
        with pytest.raises(AssertionError, match="overdrawn"):
            check_invariants(accounts.values(), transfers)
        return
    else:
        del accounts[AccountId("funding")]
    with pytest.raises(AssertionError):
        check_invariants(accounts.values(), ledger.transfers.values())


def test_a_transfer_posts_only_when_posted() -> None:
    with pytest.raises(AssertionError):
        replace(builders.transfer("funding", "shop", 5), amount_posted_minor=0)
    with pytest.raises(AssertionError):
        replace(builders.transfer("funding", "shop", 5, pending=True), amount_posted_minor=5)
