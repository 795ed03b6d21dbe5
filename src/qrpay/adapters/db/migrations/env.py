"""Alembic's environment: run the revisions on the connection ``migrator.py`` passes in.

There is no offline (SQL script) mode and no URL here: ``qrpay migrate`` owns the
connection and its transaction. ``render_as_batch`` lets later revisions alter tables on
SQLite, which can only do so by copying them.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from qrpay.adapters.db.schema import metadata

connection = context.config.attributes.get("connection")
assert isinstance(connection, Connection), "run through qrpay.adapters.db.migrator"
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
