"""``qrpay migrate``: bring the database up to the schema this version of qrpay expects.

The database comes from ``--database-url`` or ``QRPAY_DATABASE_URL``, else it is the
SQLite file ``qrpay.db`` in ``QRPAY_DATA_DIR`` (``./data``). Running it again applies
nothing and says so; a failure is one line on stderr and exit status 1 (``cli/main.py``).
"""

from __future__ import annotations

import asyncio
import os

import click

from qrpay.adapters.db.store import SqlStore
from qrpay.adapters.db.url import async_url, database_url, describe


@click.command()
@click.option(
    "--database-url",
    "url_text",
    metavar="URL",
    help="postgresql://user@host/db or sqlite:///path/qrpay.db (default: QRPAY_DATABASE_URL).",
)
def migrate(url_text: str | None) -> None:
    """Apply the schema migrations the database lacks."""
    url = async_url(url_text) if url_text else database_url(os.environ)
    applied = asyncio.run(_migrate(SqlStore(url)))
    target = describe(url)
    for revision in applied:
        click.echo(f"applied {revision}")
    if applied:
        click.echo(f"{target} is up to date")
    else:
        click.echo(f"{target} was already up to date; nothing applied")


async def _migrate(store: SqlStore) -> list[str]:
    try:
        return await store.migrate()
    finally:
        await store.dispose()
