"""The ledger on SQL: transfers as rows, balances changed by guarded single statements.

``create_transfers`` runs a fixed number of statements whatever the accounts hold:

  1. one SELECT of the batch's accounts' fixed facts (that they exist, their currency),
     which accounts never change, so reading them decides nothing about money. With them
     the batch is checked transfer by transfer, in order, by the domain's own rules
     (``check_new_transfer``) with the funds rule left out;
  2. one guarded UPDATE per account, in ascending id order (``locks.py``), adding the
     batch's net change to the four sums. A no-overdraw account is only updated if what
     it has available covers ``need_minor``: the most the batch draws on it at any point,
     transfer by transfer, so the result is what applying the batch in order would give.
     No row updated means insufficient funds: the database decided, under its row lock,
     never a value read earlier;
  3. one INSERT of the batch's transfers.

A refused batch always leaves the transaction marked ``must_roll_back`` (step 2 may have
updated some accounts before another refused), as the port says. Posting or
voiding a pending transfer first moves the transfer row out of ``pending`` with a guarded
UPDATE (so two posts of one transfer cannot both succeed), then updates its two accounts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Row, bindparam, or_, select, update

from qrpay.adapters.db.connection import Db
from qrpay.adapters.db.locks import account_lock_order
from qrpay.adapters.db.rows import instance_of, values_of
from qrpay.adapters.db.schema import accounts, transfers
from qrpay.domain.errors import (
    AccountNotFound,
    InsufficientFunds,
    LedgerError,
    TransferInvalid,
    TransferNotPending,
)
from qrpay.domain.ids import AccountId, TransferId
from qrpay.domain.ledger import (
    Account,
    AccountKind,
    Transfer,
    TransferCode,
    TransferStatus,
    check_new_transfer,
)
from qrpay.services.unit_of_work import FETCH_SIZE_MAX

TRANSFERS_PER_BATCH_MAX: Final = 100
# Whether rows were written before the refusal depends on the accounts' id order; the
# rule does not: a refused batch always leaves its unit of work to be rolled back.
_REFUSED: Final = "a ledger batch was refused; roll the unit of work back"

_a = accounts.c
_APPLY: Final = (
    update(accounts)
    .where(_a.id == bindparam("account_id"))
    .where(
        or_(
            _a.debits_must_not_exceed_credits.is_(False),
            _a.credits_posted - _a.debits_posted - _a.debits_pending >= bindparam("need_minor"),
        )
    )
    .values(
        debits_pending=_a.debits_pending + bindparam("d_debits_pending"),
        debits_posted=_a.debits_posted + bindparam("d_debits_posted"),
        credits_pending=_a.credits_pending + bindparam("d_credits_pending"),
        credits_posted=_a.credits_posted + bindparam("d_credits_posted"),
    )
)


@dataclass(slots=True)
class Delta:
    """What a batch changes on one account, and what it needs available there first."""

    debits_pending: int = 0
    debits_posted: int = 0
    credits_pending: int = 0
    credits_posted: int = 0
    need_minor: int = 0
    _available_change: int = 0

    def debit(self, amount: int, *, posted: bool) -> None:
        if posted:
            self.debits_posted += amount
        else:
            self.debits_pending += amount
        self._available_change -= amount
        self.need_minor = max(self.need_minor, -self._available_change)

    def credit(self, amount: int, *, posted: bool) -> None:
        if posted:
            self.credits_posted += amount
            self._available_change += amount
        else:
            self.credits_pending += amount


def batch_deltas(batch: Iterable[Transfer]) -> dict[AccountId, Delta]:
    deltas: dict[AccountId, Delta] = {}
    for transfer in batch:
        posted = transfer.status is TransferStatus.POSTED
        debit = deltas.setdefault(transfer.debit_account_id, Delta())
        credit = deltas.setdefault(transfer.credit_account_id, Delta())
        debit.debit(transfer.amount_minor, posted=posted)
        credit.credit(transfer.amount_minor, posted=posted)
    return deltas


def first_refusal(
    batch: Sequence[Transfer], facts: dict[AccountId, Account]
) -> tuple[int, LedgerError | None]:
    """The index of the first transfer the rules refuse (funds aside) and why; else the end.

    ``facts`` hold accounts without the no-overdraw flag: funds are the database's call.
    """
    for index, transfer in enumerate(batch):
        for account_id in (transfer.debit_account_id, transfer.credit_account_id):
            if account_id not in facts:
                return index, AccountNotFound(f"no account {account_id}")
            assert not facts[account_id].debits_must_not_exceed_credits, "funds: the database"
        try:
            check_new_transfer(
                transfer, facts[transfer.debit_account_id], facts[transfer.credit_account_id]
            )
        except LedgerError as exc:
            return index, exc
    return len(batch), None


class SqlLedgerRepository:
    def __init__(self, db: Db) -> None:
        self._db = db

    async def open_accounts(self, new: Sequence[Account]) -> None:
        for account in new:
            assert account.sums() == (0, 0, 0, 0), "accounts open empty"
        if not new:
            return
        statement = self._db.insert(accounts).on_conflict_do_nothing(index_elements=["id"])
        await self._db.execute(statement, [values_of(account) for account in new])

    async def get_accounts(self, account_ids: Sequence[AccountId]) -> dict[AccountId, Account]:
        if not account_ids:
            return {}
        rows = await self._db.execute(select(accounts).where(_a.id.in_(set(account_ids))))
        return {found.id: found for found in map(_account, rows)}

    async def create_transfers(self, new: Sequence[Transfer]) -> None:
        batch = list(new)
        assert len(batch) <= TRANSFERS_PER_BATCH_MAX, "batches are small"
        if not batch:
            return
        for transfer in batch:
            if transfer.status is TransferStatus.POSTED:
                assert transfer.amount_posted_minor == transfer.amount_minor
        facts = await self._facts(batch)
        index, refusal = first_refusal(batch, facts)
        await self._apply(batch_deltas(batch[:index]))
        if refusal is not None:
            self._db.must_roll_back = _REFUSED
            raise refusal
        await self._db.execute(transfers.insert(), [values_of(t) for t in batch])

    async def post_pending(self, transfer_id: TransferId, amount_minor: int | None) -> Transfer:
        t = transfers.c
        posted = t.amount_minor if amount_minor is None else amount_minor
        statement = (
            update(transfers)
            .where(t.id == transfer_id, t.status == TransferStatus.PENDING.value)
            .where(t.amount_minor >= posted)
            .values(status=TransferStatus.POSTED.value, amount_posted_minor=posted)
            .returning(*t)
        )
        row = None
        if amount_minor is None or amount_minor > 0:
            row = (await self._db.execute(statement)).first()
        if row is None:
            raise await self._why_not_posted(transfer_id, amount_minor)
        done = _transfer(row)
        assert done.status is TransferStatus.POSTED
        deltas = {done.debit_account_id: Delta(), done.credit_account_id: Delta()}
        deltas[done.debit_account_id].debits_pending = -done.amount_minor
        deltas[done.debit_account_id].debits_posted = done.amount_posted_minor
        deltas[done.credit_account_id].credits_pending = -done.amount_minor
        deltas[done.credit_account_id].credits_posted = done.amount_posted_minor
        await self._apply(deltas)
        return done

    async def void_pending(self, transfer_id: TransferId, *, expired: bool = False) -> Transfer:
        t = transfers.c
        status = TransferStatus.EXPIRED if expired else TransferStatus.VOIDED
        statement = (
            update(transfers)
            .where(t.id == transfer_id, t.status == TransferStatus.PENDING.value)
            .values(status=status.value)
            .returning(*t)
        )
        row = (await self._db.execute(statement)).first()
        if row is None:
            raise TransferNotPending(f"transfer {transfer_id} is not pending")
        done = _transfer(row)
        assert done.amount_posted_minor == 0, "a voided transfer posts nothing"
        deltas = {done.debit_account_id: Delta(), done.credit_account_id: Delta()}
        deltas[done.debit_account_id].debits_pending = -done.amount_minor
        deltas[done.credit_account_id].credits_pending = -done.amount_minor
        await self._apply(deltas)
        return done

    async def transfers_of(
        self, account_id: AccountId, *, limit: int, starting_after: TransferId | None
    ) -> list[Transfer]:
        assert 1 <= limit <= FETCH_SIZE_MAX
        t = transfers.c
        query = select(transfers).where(
            or_(t.debit_account_id == account_id, t.credit_account_id == account_id)
        )
        if starting_after is not None:
            query = query.where(t.id < starting_after)
        rows = await self._db.execute(query.order_by(t.id.desc()).limit(limit))
        return [_transfer(row) for row in rows]

    async def all_accounts(self) -> list[Account]:
        rows = await self._db.execute(select(accounts).order_by(_a.id))
        return [_account(row) for row in rows]

    async def all_transfers(self) -> list[Transfer]:
        rows = await self._db.execute(select(transfers).order_by(transfers.c.id))
        return [_transfer(row) for row in rows]

    async def _facts(self, batch: Sequence[Transfer]) -> dict[AccountId, Account]:
        ids = {t.debit_account_id for t in batch} | {t.credit_account_id for t in batch}
        rows = await self._db.execute(select(_a.id, _a.kind, _a.currency).where(_a.id.in_(ids)))
        return {
            row.id: Account(AccountId(row.id), AccountKind(row.kind), row.currency) for row in rows
        }

    async def _apply(self, deltas: dict[AccountId, Delta]) -> None:
        """One guarded UPDATE per account, in lock order."""
        for account_id, delta in account_lock_order(deltas):
            parameters = {
                "account_id": account_id,
                "need_minor": delta.need_minor,
                "d_debits_pending": delta.debits_pending,
                "d_debits_posted": delta.debits_posted,
                "d_credits_pending": delta.credits_pending,
                "d_credits_posted": delta.credits_posted,
            }
            result = await self._db.execute(_APPLY, parameters)
            if result.rowcount != 1:
                self._db.must_roll_back = _REFUSED
                raise InsufficientFunds(
                    f"account {account_id} has less than {delta.need_minor} available"
                )

    async def _why_not_posted(self, transfer_id: TransferId, amount_minor: int | None) -> Exception:
        t = transfers.c
        found = await self._db.execute(select(t.status, t.amount_minor).where(t.id == transfer_id))
        row = found.first()
        if row is None or row.status != TransferStatus.PENDING.value:
            return TransferNotPending(f"transfer {transfer_id} is not pending")
        return TransferInvalid(f"can post 1 to {row.amount_minor}, not {amount_minor}")


def _account(row: Row[Any]) -> Account:
    return instance_of(
        Account,
        row,
        kind=AccountKind(row.kind),
        debits_must_not_exceed_credits=bool(row.debits_must_not_exceed_credits),
    )


def _transfer(row: Row[Any]) -> Transfer:
    return instance_of(
        Transfer, row, code=TransferCode(row.code), status=TransferStatus(row.status)
    )
