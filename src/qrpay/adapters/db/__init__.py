"""SQL storage: the unit of work and its repositories on SQLite (embedded) and PostgreSQL.

    url.py          QRPAY_DATABASE_URL / QRPAY_DATA_DIR -> an async driver URL
    engine.py       one engine per dialect: pragmas, BEGIN IMMEDIATE, pool sizes, timeouts
    store.py        SqlStore: the factory of units of work, migrate, check, ping, dispose
    migrator.py     Alembic, driven from code: upgrade to head, current vs head
    migrations/     the Alembic environment and the revisions, written by hand
    schema.py       every table, once, as SQLAlchemy Core metadata
    types.py        UTC timestamps and JSON text, the same in both dialects
    connection.py   the connection the repositories share; driver errors translated here
    rows.py         rows <-> dataclasses whose fields are the columns
    locks.py        the one order in which rows are locked
    unit_of_work.py SqlUnitOfWork: one connection and one transaction per ``async with``
    ledger.py, payments.py, checkouts.py, merchants.py, wallets.py, credentials.py,
    idempotency.py  one repository each

Only ``store.py`` and ``url.py`` are meant to be imported from outside this package.
"""
