"""``SqlStore``: the database behind the services, on SQLite or PostgreSQL.

It owns the engine (and so the pool) and makes units of work: calling the store returns a
new ``SqlUnitOfWork``, which is what ``UnitOfWorkFactory`` asks for. It also answers the
operator's questions: ``migrate`` (what ``qrpay migrate`` runs), ``check_migrated`` (the
server refuses to start on a database behind the code), and ``ping`` (readiness).

    store = SqlStore(database_url(os.environ))
    await store.check_migrated()
    async with store() as uow:
        ...
        await uow.commit()
    await store.dispose()
"""

from __future__ import annotations

import asyncio
from typing import Final

from alembic.util import CommandError
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from qrpay.adapters.db import migrator
from qrpay.adapters.db.connection import translate
from qrpay.adapters.db.engine import EngineLimits, create_engine
from qrpay.adapters.db.unit_of_work import SqlUnitOfWork
from qrpay.adapters.db.url import describe
from qrpay.domain.errors import NotMigrated, QrpayError, StorageError, Unavailable

PING_TIMEOUT_S: Final = 2.0


class SqlStore:
    def __init__(self, url: URL, limits: EngineLimits | None = None) -> None:
        self.url = url
        self.engine: AsyncEngine = create_engine(url, limits or EngineLimits())

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)

    async def migrate(self) -> list[str]:
        """Apply every revision the database lacks, in one transaction; those applied."""
        try:
            async with self.engine.begin() as connection:
                return await connection.run_sync(migrator.upgrade)
        except (DBAPIError, OSError, TimeoutError) as exc:
            raise self._error(exc) from exc
        except CommandError as exc:
            raise StorageError(f"cannot migrate {describe(self.url)}: {exc}") from exc

    async def check_migrated(self) -> None:
        """Raise ``NotMigrated`` unless the database is at the revision this code expects."""
        try:
            async with self.engine.connect() as connection:
                current = await connection.run_sync(migrator.current_revision)
        except (DBAPIError, OSError, TimeoutError) as exc:
            raise self._error(exc) from exc
        head = migrator.head_revision()
        if current == head:
            return
        where = "has no qrpay schema" if current is None else f"is at revision {current}"
        raise NotMigrated(
            f"the database {describe(self.url)} {where}; this qrpay expects revision "
            f"{head}: run `qrpay migrate`"
        )

    async def ping(self) -> None:
        """Raise ``Unavailable`` unless the database answers within ``PING_TIMEOUT_S``."""
        try:
            async with asyncio.timeout(PING_TIMEOUT_S), self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except (DBAPIError, OSError, TimeoutError) as exc:
            raise self._error(exc) from exc

    async def dispose(self) -> None:
        await self.engine.dispose()

    def _error(self, exc: Exception) -> QrpayError:
        """One readable error for the operator; never the URL's password."""
        if isinstance(exc, DBAPIError):
            translated = translate(exc)
            if isinstance(translated, QrpayError):
                return translated
            return StorageError(f"the database {describe(self.url)} refused: {exc.orig}")
        return Unavailable(f"cannot reach the database {describe(self.url)} ({type(exc).__name__})")
