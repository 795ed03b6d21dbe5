"""Alembic, driven from code: no ``alembic.ini``, the revisions ship inside the package.

Every function takes a synchronous connection, as Alembic wants; ``SqlStore`` calls them
through ``AsyncConnection.run_sync`` inside one transaction, so an upgrade applies all of
its revisions or none. On PostgreSQL the upgrade first takes a transaction-scoped advisory
lock, so that instances started together apply each revision once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from qrpay.adapters.db.locks import MIGRATION_ADVISORY_LOCK_KEY

MIGRATIONS_DIR: Final = Path(__file__).with_name("migrations")


def config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(config()).get_current_head()
    assert head is not None, "the package ships its revisions"
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(connection: Connection) -> list[str]:
    """Upgrade to head; the revisions applied, oldest first, as "<id> <message>"."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_ADVISORY_LOCK_KEY}
        )
    before = current_revision(connection)
    cfg = config(connection)
    command.upgrade(cfg, "head")
    after = current_revision(connection)
    script = ScriptDirectory.from_config(cfg)
    applied = list(script.iterate_revisions(after, before))
    return [f"{revision.revision} {revision.doc}" for revision in reversed(applied)]
