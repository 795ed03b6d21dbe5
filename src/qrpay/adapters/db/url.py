"""Which database to use: ``QRPAY_DATABASE_URL``, else a SQLite file in ``QRPAY_DATA_DIR``.

Operators write plain URLs (``postgresql://user@host/db``, ``sqlite:///var/lib/qrpay.db``);
the store needs the async drivers, so this module maps each scheme to its driver and
refuses anything else. An in-memory SQLite database is refused too: every pooled
connection would see its own empty database.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Final

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from qrpay.domain.errors import StorageError

DATA_DIR_DEFAULT: Final = "data"
SQLITE_FILE_NAME: Final = "qrpay.db"

_DRIVERS: Final = {
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
}


def database_url(environ: Mapping[str, str]) -> URL:
    """The async URL named by the environment, or the embedded default."""
    configured = environ.get("QRPAY_DATABASE_URL", "").strip()
    if configured:
        return async_url(configured)
    data_dir = Path(environ.get("QRPAY_DATA_DIR", "").strip() or DATA_DIR_DEFAULT)
    return async_url(f"sqlite:///{data_dir / SQLITE_FILE_NAME}")


def async_url(text: str) -> URL:
    """Map ``postgresql://`` and ``sqlite:///`` (or their async forms) to the async drivers."""
    try:
        url = make_url(text)
    except ArgumentError as exc:
        raise StorageError("the database URL is not a URL") from exc
    driver = _DRIVERS.get(url.drivername)
    if driver is None:
        raise StorageError(
            f"unsupported database URL scheme {url.drivername!r}: use postgresql:// or sqlite:///"
        )
    if driver.startswith("sqlite") and url.database in (None, "", ":memory:"):
        raise StorageError("SQLite needs a file: sqlite:///path/to/qrpay.db")
    return url.set(drivername=driver)


def describe(url: URL) -> str:
    """The URL as it may be printed: never with its password."""
    return url.render_as_string(hide_password=True)
