"""Test databases: a PostgreSQL database per session, a migrated SQLite template per session.

The fixtures in ``tests/conftest.py`` are built on these; tests use the fixtures.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Final

from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from qrpay.adapters.db.schema import metadata
from qrpay.adapters.db.store import SqlStore
from qrpay.adapters.db.url import async_url
from tests.loops import LoopThread

POSTGRES_URL_DEFAULT: Final = "postgresql://postgres@127.0.0.1:5432/postgres"
CONNECT_TIMEOUT_S: Final = 3.0


def postgres_server_url() -> URL:
    """The server the PostgreSQL tests run on (``QRPAY_TEST_POSTGRES_URL``)."""
    return async_url(os.environ.get("QRPAY_TEST_POSTGRES_URL") or POSTGRES_URL_DEFAULT)


def unique_database_name(label: str = "") -> str:
    return f"qrpay_test_{os.getpid()}_{secrets.token_hex(4)}{label}"


def _server_engine(server: URL) -> AsyncEngine:
    # CREATE/DROP DATABASE cannot run inside a transaction.
    return create_async_engine(
        server,
        poolclass=NullPool,
        isolation_level="AUTOCOMMIT",
        connect_args={"timeout": CONNECT_TIMEOUT_S},
    )


async def check_server(server: URL) -> None:
    engine = _server_engine(server)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()


async def create_postgres_database(server: URL, name: str) -> URL:
    engine = _server_engine(server)
    try:
        async with engine.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
            # Tests need no durability across a power cut; commits then skip the WAL flush.
            await connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    finally:
        await engine.dispose()
    return server.set(database=name)


async def drop_postgres_database(server: URL, name: str) -> None:
    engine = _server_engine(server)
    try:
        async with engine.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await engine.dispose()


async def migrate(url: URL) -> None:
    store = SqlStore(url)
    try:
        await store.migrate()
    finally:
        await store.dispose()


async def empty_tables(store: SqlStore) -> None:
    """Delete every row, children first; the schema and its revision stay."""
    async with store.engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            await connection.execute(table.delete())


class PostgresDatabase:
    """A session's migrated database, and a connection kept open to empty it between tests."""

    def __init__(self, server: URL) -> None:
        self.server = server
        self.name = unique_database_name()
        self._loop = LoopThread()
        self.url = self._loop.__enter__().run(create_postgres_database(server, self.name))
        self._store = SqlStore(self.url)

    def migrate(self) -> None:
        self._loop.run(self._store.migrate())

    def empty(self) -> None:
        self._loop.run(empty_tables(self._store))

    def drop(self) -> None:
        try:
            self._loop.run(self._store.dispose())
            self._loop.run(drop_postgres_database(self.server, self.name))
        finally:
            self._loop.__exit__(None, None, None)


def sqlite_url(path: Path) -> URL:
    return async_url(f"sqlite:///{path}")
