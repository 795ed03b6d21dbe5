"""The connection that a unit of work's repositories share, and the translation of errors.

Driver exceptions stop here (``raise ... from exc``):

    a money constraint refused a row (names in ``MONEY_CONSTRAINTS``) -> its ledger or
        payment error; the repositories' guards should have refused first, so reaching
        one of these means the second line of defence worked
    the server is gone, busy, timed out, or aborted us in a deadlock  -> ``Unavailable``
    a table is missing (the database was never migrated)              -> ``NotMigrated``

Anything else (a duplicate primary key, say) is a programmer error and propagates as is.

A statement that failed leaves the transaction unusable on PostgreSQL, and a repository
that refuses after it wrote leaves part of a batch behind; both mark the connection
``must_roll_back``, and the unit of work refuses to commit it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Executable

from qrpay.domain.errors import (
    InsufficientFunds,
    NotMigrated,
    QrpayError,
    RefundExceedsCaptured,
    TransferInvalid,
    Unavailable,
)

MONEY_CONSTRAINTS: Final[Mapping[str, type[QrpayError]]] = {
    "ck_accounts_debits_within_credits": InsufficientFunds,
    "ck_accounts_debits_pending_nonnegative": TransferInvalid,
    "ck_accounts_debits_posted_nonnegative": TransferInvalid,
    "ck_accounts_credits_pending_nonnegative": TransferInvalid,
    "ck_accounts_credits_posted_nonnegative": TransferInvalid,
    "ck_transfers_amount_positive": TransferInvalid,
    "ck_transfers_accounts_differ": TransferInvalid,
    "ck_transfers_posted_within_amount": TransferInvalid,
    "ck_transfers_posted_amount_matches_status": TransferInvalid,
    "ck_transfers_status_known": TransferInvalid,
    "fk_transfers_debit_account_id_currency_accounts": TransferInvalid,
    "fk_transfers_credit_account_id_currency_accounts": TransferInvalid,
    "ck_payments_refunded_nonnegative": RefundExceedsCaptured,
    "ck_payments_refunded_within_captured": RefundExceedsCaptured,
    "ck_payments_captured_within_amount": RefundExceedsCaptured,
}
_CONSTRAINT_RE: Final = re.compile("|".join(rf"\b{name}\b" for name in MONEY_CONSTRAINTS))
# PostgreSQL SQLSTATEs after which a retry may succeed: deadlock, serialization failure,
# statement or lock timeout, too many connections, server shutting down.
_TRANSIENT_SQLSTATES: Final = frozenset({"40P01", "40001", "57014", "55P03", "53300"})
_TRANSIENT_SQLSTATE_CLASSES: Final = ("08", "57P")
_UNDEFINED_TABLE: Final = "42P01"


def translate(exc: DBAPIError) -> Exception:
    """The operating error a driver exception stands for, or the exception itself."""
    text = str(exc.orig)
    if isinstance(exc, IntegrityError):
        match = _CONSTRAINT_RE.search(text)
        if match is None:
            return exc
        return MONEY_CONSTRAINTS[match.group(0)](f"the database refused the change ({match[0]})")
    sqlstate = getattr(exc.orig, "sqlstate", None) or ""
    if "no such table" in text or sqlstate == _UNDEFINED_TABLE:
        return NotMigrated("the database has no qrpay tables: run `qrpay migrate`")
    if sqlstate in _TRANSIENT_SQLSTATES or sqlstate.startswith(_TRANSIENT_SQLSTATE_CLASSES):
        return Unavailable(f"the database gave up on the transaction (SQLSTATE {sqlstate}); retry")
    if exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError):
        return Unavailable(f"the database is unavailable ({type(exc.orig).__name__}); retry")
    return exc


class Db:
    """One open connection, inside one transaction, owned by one unit of work."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection
        self.dialect = connection.dialect.name
        self.must_roll_back: str | None = None

    async def execute(
        self,
        statement: Executable,
        parameters: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None = None,
    ) -> CursorResult[Any]:
        try:
            return await self._connection.execute(statement, parameters)
        except DBAPIError as exc:
            self.must_roll_back = "a statement failed"
            translated = translate(exc)
            if translated is exc:
                raise
            raise translated from exc

    def insert(self, table: Table) -> PgInsert | SqliteInsert:
        """An INSERT that can take ``ON CONFLICT``: the same clause on both dialects."""
        if self.dialect == "postgresql":
            return pg_insert(table)
        return sqlite_insert(table)
