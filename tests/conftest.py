"""Fixtures for the whole suite: how async tests run, and the databases they run against.

Async tests
    pytest-asyncio in auto mode (``asyncio_mode = "auto"`` in pyproject.toml): write
    ``async def test_...`` and ``async def`` fixtures with no marker. Each test gets its
    own event loop, so anything bound to a loop (an engine, a store) is made inside the
    test or in a function-scoped fixture, never shared between tests. Synchronous code
    that must await (session fixtures, hypothesis state machines) uses
    ``tests.loops.LoopThread``.

Databases: every test that asks for ``sql_store`` (or ``sql_url``) runs twice, on SQLite
and on PostgreSQL, against an empty database migrated to head.

    sql_backend   "sqlite" or "postgres"; the PostgreSQL case carries the ``postgres``
                  marker (``-m "not postgres"`` runs SQLite alone). To run a test on one
                  backend only: ``@pytest.mark.parametrize("sql_backend", ["postgres"],
                  indirect=True)``.
    sql_url       the test's database: SQLite, a fresh copy of a migrated file (in
                  ``/dev/shm`` where there is one: the tests check logic, not fsync, which
                  costs nothing there); PostgreSQL, the session's database emptied.
    sql_store     a ``SqlStore`` on ``sql_url``, disposed after the test.
    blank_sql_url a database with no schema at all, for the migration tests.

PostgreSQL: the server is ``QRPAY_TEST_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``). Each session creates its own database
``qrpay_test_<pid>_<random>``, migrates it, and drops it at the end. If the server cannot
be reached the PostgreSQL tests are skipped with the reason, unless ``CI=true``: then they
fail, because CI must run them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from qrpay.adapters.db.store import SqlStore
from qrpay.adapters.db.url import describe
from tests.databases import (
    PostgresDatabase,
    check_server,
    create_postgres_database,
    drop_postgres_database,
    migrate,
    postgres_server_url,
    sqlite_url,
    unique_database_name,
)
from tests.fakes.clock import FakeClock
from tests.loops import run_once

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(scope="session")
def postgres_server() -> URL:
    server = postgres_server_url()
    try:
        run_once(check_server(server))
    except Exception as exc:
        reason = f"PostgreSQL at {describe(server)} is unreachable ({type(exc).__name__}: {exc})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI=true, so the PostgreSQL tests must run")
        pytest.skip(f"{reason}; set QRPAY_TEST_POSTGRES_URL to run them")
    return server


@pytest.fixture(scope="session")
def postgres_database(postgres_server: URL) -> Iterator[PostgresDatabase]:
    database = PostgresDatabase(postgres_server)
    try:
        database.migrate()
        yield database
    finally:
        database.drop()


@pytest.fixture(scope="session")
def sqlite_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    shm = Path("/dev/shm")  # noqa: S108 (a private directory is made inside it, below)
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path_factory.mktemp("sqlite")
        return
    path = Path(tempfile.mkdtemp(prefix="qrpay-test-", dir=shm))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def sqlite_template(sqlite_dir: Path) -> Path:
    path = sqlite_dir / "template.db"
    run_once(migrate(sqlite_url(path)))
    return path


@pytest.fixture(params=BACKENDS)
def sql_backend(request: pytest.FixtureRequest) -> str:
    backend: str = request.param
    return backend


@pytest.fixture
def sql_url(sql_backend: str, request: pytest.FixtureRequest) -> URL:
    if sql_backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        directory = Path(tempfile.mkdtemp(dir=template.parent))
        return sqlite_url(Path(shutil.copyfile(template, directory / "qrpay.db")))
    database: PostgresDatabase = request.getfixturevalue("postgres_database")
    database.empty()
    return database.url


@pytest.fixture
async def sql_store(sql_url: URL) -> AsyncIterator[SqlStore]:
    store = SqlStore(sql_url)
    yield store
    await store.dispose()


@pytest.fixture
def blank_sql_url(sql_backend: str, request: pytest.FixtureRequest) -> Iterator[URL]:
    if sql_backend == "sqlite":
        directory: Path = request.getfixturevalue("sqlite_dir")
        yield sqlite_url(Path(tempfile.mkdtemp(dir=directory)) / "blank" / "qrpay.db")
        return
    server: URL = request.getfixturevalue("postgres_server")
    name = unique_database_name("_blank")
    yield run_once(create_postgres_database(server, name))
    run_once(drop_postgres_database(server, name))


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()
