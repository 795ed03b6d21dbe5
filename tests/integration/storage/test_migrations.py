"""Migrations: from nothing to head on both databases, and exactly the declared schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import CheckConstraint, Connection, inspect, text
from sqlalchemy.engine import URL

from qrpay.adapters.db import migrator
from qrpay.adapters.db.schema import metadata
from qrpay.adapters.db.store import SqlStore
from qrpay.cli.migrate import migrate
from qrpay.domain.errors import NotMigrated, StorageError, Unavailable


async def test_a_blank_database_is_not_migrated_until_migrate(blank_sql_url: URL) -> None:
    store = SqlStore(blank_sql_url)
    try:
        with pytest.raises(NotMigrated, match=r"has no qrpay schema.*run `qrpay migrate`"):
            await store.check_migrated()
        applied = await store.migrate()
        await store.check_migrated()
        again = await store.migrate()
    finally:
        await store.dispose()
    # Every revision, oldest first, ending at the head this code expects.
    assert applied[0].split()[0] == "0001"
    assert applied[-1].split()[0] == migrator.head_revision()
    assert again == []


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    differences: list[Any] = list(compare_metadata(context, metadata))
    # Alembic does not compare CHECK constraints; their names must match (a changed rule
    # gets a new name, so a rule changed without a migration shows up here).
    inspector = inspect(connection)
    for table in metadata.sorted_tables:
        declared = {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
        reflected = {c["name"] for c in inspector.get_check_constraints(table.name)}
        if declared != reflected:
            differences.append((table.name, sorted(str(name) for name in declared ^ reflected)))
    return differences


async def test_migrations_yield_exactly_the_declared_schema(sql_store: SqlStore) -> None:
    async with sql_store.engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == []


async def test_a_database_ahead_of_the_code_is_refused(blank_sql_url: URL) -> None:
    # a database of its own: the shared one must stay at head for the other tests
    store = SqlStore(blank_sql_url)
    try:
        await store.migrate()
        async with store.engine.begin() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        with pytest.raises(NotMigrated, match="is at revision 9999"):
            await store.check_migrated()
        with pytest.raises(StorageError, match="9999"):
            await store.migrate()
    finally:
        await store.dispose()


def test_cli_migrate_prints_what_it_applied_and_is_idempotent(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"QRPAY_DATA_DIR": str(tmp_path / "data"), "QRPAY_DATABASE_URL": ""}
    first = runner.invoke(migrate, [], env=env)
    second = runner.invoke(migrate, [], env=env)
    assert first.exit_code == 0, first.output
    assert f"applied {migrator.head_revision()} " in first.output
    assert (tmp_path / "data" / "qrpay.db").is_file()
    assert second.exit_code == 0, second.output
    assert "nothing applied" in second.output
    assert "applied 0" not in second.output


def test_cli_migrate_fails_with_one_readable_error(tmp_path: Path) -> None:
    url = "postgresql://qrpay:secret@127.0.0.1:9/qrpay"  # the discard port: nothing listens
    result = CliRunner().invoke(migrate, ["--database-url", url], standalone_mode=False)
    assert isinstance(result.exception, Unavailable)
    message = str(result.exception)
    assert "\n" not in message
    assert "secret" not in message
    assert "127.0.0.1:9" in message
