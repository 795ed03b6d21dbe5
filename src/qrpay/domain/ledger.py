"""Double-entry ledger rules, in TigerBeetle's vocabulary, over integer minor units.

An account keeps four running sums: ``debits_pending``, ``debits_posted``,
``credits_pending``, ``credits_posted``. A transfer moves ``amount_minor`` from one debit
account to one credit account of the same currency, so every transfer balances by its
shape. A two-phase transfer is first ``pending`` (the amount is reserved on both sides),
then ``posted`` (all or part of it), ``voided`` or ``expired``.

An account flagged ``debits_must_not_exceed_credits`` (a payer's wallet) can never go
negative: posted plus pending debits stay within posted credits.

``Ledger`` applies these rules to accounts held in memory. It is the model that every
store (SQLite, PostgreSQL) is tested against, and the fake the service tests use. A store
does the same with guarded, atomic statements and lets the database re-check the rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Final

from qrpay.domain.errors import (
    AccountNotFound,
    InsufficientFunds,
    TransferInvalid,
    TransferNotPending,
)
from qrpay.domain.ids import AccountId, TransferId
from qrpay.domain.money import AMOUNT_MINOR_MAX


class AccountKind(StrEnum):
    WALLET = "wallet"
    MERCHANT = "merchant"
    CLEARING = "clearing"
    FUNDING = "funding"
    FEES = "fees"
    FX = "fx"


class TransferStatus(StrEnum):
    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"
    EXPIRED = "expired"


class TransferCode(StrEnum):
    """Why money moved; every transfer carries one."""

    TOP_UP = "top_up"
    PAYMENT = "payment"
    REFUND = "refund"
    FEE = "fee"
    FX = "fx"
    SETTLEMENT = "settlement"


RESOLVED: Final = frozenset({TransferStatus.POSTED, TransferStatus.VOIDED, TransferStatus.EXPIRED})


@dataclass(slots=True)
class Account:
    id: AccountId
    kind: AccountKind
    currency: str
    debits_must_not_exceed_credits: bool = False
    debits_pending: int = 0
    debits_posted: int = 0
    credits_pending: int = 0
    credits_posted: int = 0

    @property
    def balance_minor(self) -> int:
        """Posted credits less posted debits: what a credit-normal account holds."""
        return self.credits_posted - self.debits_posted

    @property
    def available_minor(self) -> int:
        """What may still be debited: the balance less what pending debits reserve."""
        return self.credits_posted - self.debits_posted - self.debits_pending

    def sums(self) -> tuple[int, int, int, int]:
        return (self.debits_pending, self.debits_posted, self.credits_pending, self.credits_posted)


@dataclass(frozen=True, slots=True)
class Transfer:
    id: TransferId
    debit_account_id: AccountId
    credit_account_id: AccountId
    amount_minor: int
    currency: str
    code: TransferCode
    status: TransferStatus
    created_at: datetime
    amount_posted_minor: int = 0
    """For a posted transfer, what was posted: all of it, or part of a pending amount."""
    timeout_at: datetime | None = None
    payment_id: str | None = None

    def __post_init__(self) -> None:
        assert type(self.amount_minor) is int
        assert 0 <= self.amount_posted_minor <= self.amount_minor
        if self.status is TransferStatus.POSTED:
            assert self.amount_posted_minor > 0, "a posted transfer posts something"
        else:
            assert self.amount_posted_minor == 0, "only a posted transfer has a posted amount"


def check_new_transfer(transfer: Transfer, debit: Account, credit: Account) -> None:
    """Refuse a transfer that would break a rule; change nothing."""
    if not 0 < transfer.amount_minor <= AMOUNT_MINOR_MAX:
        raise TransferInvalid(f"transfer amount {transfer.amount_minor} is not positive")
    if debit.id == credit.id:
        raise TransferInvalid("a transfer needs two different accounts")
    if not debit.currency == credit.currency == transfer.currency:
        raise TransferInvalid(
            f"transfer in {transfer.currency} between {debit.currency} and {credit.currency}"
        )
    if transfer.status not in (TransferStatus.PENDING, TransferStatus.POSTED):
        raise TransferInvalid("a new transfer is pending or posted")
    if debit.debits_must_not_exceed_credits and debit.available_minor < transfer.amount_minor:
        raise InsufficientFunds(
            f"account {debit.id} has {debit.available_minor} available, "
            f"{transfer.amount_minor} requested"
        )


@dataclass
class Ledger:
    """Accounts and transfers in memory, with every rule of the ledger applied."""

    accounts: dict[AccountId, Account] = field(default_factory=dict)
    transfers: dict[TransferId, Transfer] = field(default_factory=dict)

    def open_account(self, account: Account) -> Account:
        assert account.id not in self.accounts, "account ids are unique"
        assert account.sums() == (0, 0, 0, 0), "accounts open empty"
        self.accounts[account.id] = account
        return account

    def account(self, account_id: AccountId) -> Account:
        found = self.accounts.get(account_id)
        if found is None:
            raise AccountNotFound(f"no account {account_id}")
        return found

    def create_transfers(self, transfers: Iterable[Transfer]) -> None:
        """Apply transfers all together or not at all (a failure leaves nothing applied)."""
        batch = list(transfers)
        snapshot = {a.id: a.sums() for a in self.accounts.values()}
        try:
            for transfer in batch:
                self._create_one(transfer)
        except Exception:
            for transfer in batch:
                self.transfers.pop(transfer.id, None)
            for account_id, sums in snapshot.items():
                self._restore(self.accounts[account_id], sums)
            raise

    def _create_one(self, transfer: Transfer) -> None:
        assert transfer.id not in self.transfers, "transfer ids are unique"
        debit = self.account(transfer.debit_account_id)
        credit = self.account(transfer.credit_account_id)
        check_new_transfer(transfer, debit, credit)
        amount = transfer.amount_minor
        if transfer.status is TransferStatus.PENDING:
            debit.debits_pending += amount
            credit.credits_pending += amount
        else:
            assert transfer.amount_posted_minor == amount
            debit.debits_posted += amount
            credit.credits_posted += amount
        self.transfers[transfer.id] = transfer

    def post_pending(self, transfer_id: TransferId, amount_minor: int | None = None) -> Transfer:
        """Post all of a pending transfer, or part of it (the rest is released)."""
        pending = self._pending(transfer_id)
        amount = pending.amount_minor if amount_minor is None else amount_minor
        if not 0 < amount <= pending.amount_minor:
            raise TransferInvalid(f"can post 1 to {pending.amount_minor}, not {amount}")
        debit = self.account(pending.debit_account_id)
        credit = self.account(pending.credit_account_id)
        debit.debits_pending -= pending.amount_minor
        credit.credits_pending -= pending.amount_minor
        debit.debits_posted += amount
        credit.credits_posted += amount
        posted = replace(pending, status=TransferStatus.POSTED, amount_posted_minor=amount)
        self.transfers[transfer_id] = posted
        return posted

    def void_pending(self, transfer_id: TransferId, *, expired: bool = False) -> Transfer:
        pending = self._pending(transfer_id)
        debit = self.account(pending.debit_account_id)
        credit = self.account(pending.credit_account_id)
        debit.debits_pending -= pending.amount_minor
        credit.credits_pending -= pending.amount_minor
        status = TransferStatus.EXPIRED if expired else TransferStatus.VOIDED
        resolved = replace(pending, status=status)
        self.transfers[transfer_id] = resolved
        return resolved

    def expire_pending(self, now: datetime) -> list[Transfer]:
        """Release every pending transfer whose timeout has passed."""
        due = [
            t.id
            for t in self.transfers.values()
            if t.status is TransferStatus.PENDING
            and t.timeout_at is not None
            and t.timeout_at <= now
        ]
        return [self.void_pending(transfer_id, expired=True) for transfer_id in due]

    def _pending(self, transfer_id: TransferId) -> Transfer:
        transfer = self.transfers.get(transfer_id)
        if transfer is None or transfer.status is not TransferStatus.PENDING:
            raise TransferNotPending(f"transfer {transfer_id} is not pending")
        return transfer

    @staticmethod
    def _restore(account: Account, sums: tuple[int, int, int, int]) -> None:
        (
            account.debits_pending,
            account.debits_posted,
            account.credits_pending,
            account.credits_posted,
        ) = sums


def sums_from_transfers(
    transfers: Iterable[Transfer],
) -> dict[AccountId, tuple[int, int, int, int]]:
    """Each account's four sums derived from transfers alone; a store must agree with it."""
    sums: dict[AccountId, list[int]] = {}
    for t in transfers:
        debit = sums.setdefault(t.debit_account_id, [0, 0, 0, 0])
        credit = sums.setdefault(t.credit_account_id, [0, 0, 0, 0])
        if t.status is TransferStatus.PENDING:
            debit[0] += t.amount_minor
            credit[2] += t.amount_minor
        elif t.status is TransferStatus.POSTED:
            debit[1] += t.amount_posted_minor
            credit[3] += t.amount_posted_minor
    return {k: (v[0], v[1], v[2], v[3]) for k, v in sums.items()}


def check_invariants(accounts: Iterable[Account], transfers: Iterable[Transfer]) -> None:
    """Assert every ledger invariant; a failure is a bug, never an operating error."""
    accounts = list(accounts)
    derived = sums_from_transfers(transfers)
    totals: dict[str, list[int]] = {}
    for account in accounts:
        assert min(account.sums()) >= 0, f"negative sum on {account.id}"
        assert account.sums() == derived.get(account.id, (0, 0, 0, 0)), (
            f"{account.id} sums {account.sums()} differ from its transfers"
        )
        if account.debits_must_not_exceed_credits:
            assert account.debits_posted + account.debits_pending <= account.credits_posted, (
                f"{account.id} is overdrawn"
            )
        total = totals.setdefault(account.currency, [0, 0, 0, 0])
        for index, value in enumerate(account.sums()):
            total[index] += value
    for currency, (dp, dpo, cp, cpo) in totals.items():
        assert dp == cp, f"{currency}: pending debits and credits differ"
        assert dpo == cpo, f"{currency}: posted debits and credits differ"
