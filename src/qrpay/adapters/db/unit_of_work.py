"""``SqlUnitOfWork``: one pooled connection and one database transaction per ``async with``.

Entering checks a connection out of the pool and begins (on SQLite, BEGIN IMMEDIATE);
``commit`` commits; leaving the block rolls back whatever was not committed and returns
the connection. A unit of work whose repository refused part-way, or whose statement
failed, cannot be committed: that would store half of a refused change.
"""

from __future__ import annotations

from contextlib import suppress
from types import TracebackType
from typing import Self

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from qrpay.adapters.db.back_office import SqlBackOfficeRepository
from qrpay.adapters.db.checkouts import SqlCheckoutRepository
from qrpay.adapters.db.connection import Db, translate
from qrpay.adapters.db.credentials import SqlCredentialRepository
from qrpay.adapters.db.events import SqlEventRepository
from qrpay.adapters.db.idempotency import SqlIdempotencyRepository
from qrpay.adapters.db.ledger import SqlLedgerRepository
from qrpay.adapters.db.merchants import SqlMerchantRepository
from qrpay.adapters.db.payments import SqlPaymentRepository
from qrpay.adapters.db.wallets import SqlWalletRepository
from qrpay.adapters.db.webhooks import SqlWebhookRepository
from qrpay.domain.errors import Unavailable


class SqlUnitOfWork:
    merchants: SqlMerchantRepository
    wallets: SqlWalletRepository
    credentials: SqlCredentialRepository
    ledger: SqlLedgerRepository
    checkouts: SqlCheckoutRepository
    payments: SqlPaymentRepository
    idempotency: SqlIdempotencyRepository
    events: SqlEventRepository
    webhooks: SqlWebhookRepository
    back_office: SqlBackOfficeRepository

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None
        self._db: Db | None = None

    async def __aenter__(self) -> Self:
        assert self._connection is None, "a unit of work is entered once"
        try:
            self._connection = await self._engine.connect()
            await self._connection.begin()
        except DBAPIError as exc:
            await self._close()
            raise _unavailable(exc) from exc
        except PoolTimeout as exc:
            await self._close()
            raise Unavailable("every database connection is busy; retry") from exc
        except (OSError, TimeoutError) as exc:
            await self._close()
            raise Unavailable(f"cannot reach the database ({type(exc).__name__})") from exc
        db = self._db = Db(self._connection)
        self.merchants = SqlMerchantRepository(db)
        self.wallets = SqlWalletRepository(db)
        self.credentials = SqlCredentialRepository(db)
        self.ledger = SqlLedgerRepository(db)
        self.checkouts = SqlCheckoutRepository(db)
        self.payments = SqlPaymentRepository(db)
        self.idempotency = SqlIdempotencyRepository(db)
        self.events = SqlEventRepository(db)
        self.webhooks = SqlWebhookRepository(db)
        self.back_office = SqlBackOfficeRepository(db)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            # A rollback that fails has lost the transaction anyway; the error that ended
            # the block is the one worth seeing.
            with suppress(DBAPIError):
                if self._connection is not None and self._connection.in_transaction():
                    await self._connection.rollback()
        finally:
            await self._close()

    async def commit(self) -> None:
        assert self._connection is not None, "inside `async with`"
        assert self._db is not None
        assert self._db.must_roll_back is None, f"cannot commit: {self._db.must_roll_back}"
        try:
            await self._connection.commit()
        except DBAPIError as exc:
            translated = translate(exc)
            if translated is exc:
                raise
            raise translated from exc

    async def rollback(self) -> None:
        assert self._connection is not None, "inside `async with`"
        assert self._db is not None
        await self._connection.rollback()
        self._db.must_roll_back = None

    async def _close(self) -> None:
        if self._connection is not None:
            await self._connection.close()


def _unavailable(exc: DBAPIError) -> Exception:
    translated = translate(exc)
    if isinstance(translated, Unavailable):
        return translated
    return Unavailable(f"cannot reach the database ({type(exc.orig).__name__})")
