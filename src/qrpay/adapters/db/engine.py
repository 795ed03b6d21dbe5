"""One async engine per dialect, with the settings each needs to be safe under concurrency.

SQLite (embedded; several processes may share the file):
  - WAL, so readers never wait for the writer;
  - ``busy_timeout``, so a writer waits for the file's write lock instead of failing;
  - ``synchronous=FULL``: a committed payment survives a power cut, not only a crash;
  - foreign keys on (SQLite leaves them off unless asked, per connection);
  - every transaction starts with ``BEGIN IMMEDIATE``. A deferred transaction that reads,
    then writes, cannot wait for the lock when another writer got there first (SQLite
    answers "database is locked" at once); taking the write lock at BEGIN makes writers
    queue behind ``busy_timeout`` instead, so they never deadlock. This is SQLAlchemy's
    documented recipe: the driver's own BEGIN off (isolation_level None), ours on "begin".

PostgreSQL (production): READ COMMITTED, pooled connections checked before use, and a
statement timeout so that no request waits on a lock forever.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

SQLITE_BUSY_TIMEOUT_MS_DEFAULT: Final = 5_000


@dataclass(frozen=True, slots=True)
class EngineLimits:
    pool_size: int = 10
    pool_overflow_max: int = 10
    pool_timeout_s: float = 10.0
    connect_timeout_s: float = 5.0
    statement_timeout_ms: int = 30_000
    sqlite_busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS_DEFAULT

    def __post_init__(self) -> None:
        assert 1 <= self.pool_size <= 1_000
        assert 0 <= self.pool_overflow_max <= 1_000
        assert self.pool_timeout_s > 0
        assert self.connect_timeout_s > 0
        assert self.statement_timeout_ms > 0
        assert self.sqlite_busy_timeout_ms > 0


def create_engine(url: URL, limits: EngineLimits) -> AsyncEngine:
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, limits)
    assert url.get_backend_name() == "postgresql", url.drivername
    return _postgres_engine(url, limits)


def _postgres_engine(url: URL, limits: EngineLimits) -> AsyncEngine:
    return create_async_engine(
        url,
        isolation_level="READ COMMITTED",
        pool_size=limits.pool_size,
        max_overflow=limits.pool_overflow_max,
        pool_timeout=limits.pool_timeout_s,
        pool_pre_ping=True,
        connect_args={
            "timeout": limits.connect_timeout_s,
            "server_settings": {
                "application_name": "qrpay",
                "statement_timeout": str(limits.statement_timeout_ms),
            },
        },
    )


def _sqlite_engine(url: URL, limits: EngineLimits) -> AsyncEngine:
    assert url.database, "SQLite needs a file"
    Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        url,
        pool_size=limits.pool_size,
        max_overflow=limits.pool_overflow_max,
        pool_timeout=limits.pool_timeout_s,
        connect_args={"timeout": limits.sqlite_busy_timeout_ms / 1000},
    )
    busy_timeout_ms = limits.sqlite_busy_timeout_ms

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            f"busy_timeout={busy_timeout_ms}",
            "synchronous=FULL",
            "foreign_keys=ON",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
