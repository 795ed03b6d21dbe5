"""Database URLs: plain schemes map to the async drivers; the embedded default is a file."""

from __future__ import annotations

import pytest

from qrpay.adapters.db.url import async_url, database_url, describe
from qrpay.domain.errors import StorageError


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p@db:5432/qrpay", "postgresql+asyncpg://u:p@db:5432/qrpay"),
        ("postgres://u@db/qrpay", "postgresql+asyncpg://u@db/qrpay"),
        ("postgresql+asyncpg://u@db/qrpay", "postgresql+asyncpg://u@db/qrpay"),
        ("sqlite:///var/lib/qrpay.db", "sqlite+aiosqlite:///var/lib/qrpay.db"),
        ("sqlite+aiosqlite:////abs/qrpay.db", "sqlite+aiosqlite:////abs/qrpay.db"),
    ],
)
def test_plain_urls_map_to_the_async_drivers(given: str, expected: str) -> None:
    assert async_url(given).render_as_string(hide_password=False) == expected


@pytest.mark.parametrize(
    "given", ["mysql://u@db/qrpay", "sqlite://", "sqlite:///:memory:", "not a url"]
)
def test_other_databases_are_refused(given: str) -> None:
    with pytest.raises(StorageError):
        async_url(given)


def test_the_environment_names_the_database() -> None:
    url = database_url({"QRPAY_DATABASE_URL": " postgresql://u@db/qrpay ", "QRPAY_DATA_DIR": "x"})
    assert url.drivername == "postgresql+asyncpg"


@pytest.mark.parametrize(
    ("environ", "path"),
    [
        ({}, "data/qrpay.db"),
        ({"QRPAY_DATABASE_URL": "", "QRPAY_DATA_DIR": "/srv/qrpay"}, "/srv/qrpay/qrpay.db"),
    ],
)
def test_the_default_is_a_sqlite_file_in_the_data_dir(environ: dict[str, str], path: str) -> None:
    url = database_url(environ)
    assert url.drivername == "sqlite+aiosqlite"
    assert url.database == path


def test_a_described_url_hides_its_password() -> None:
    assert "secret" not in describe(async_url("postgresql://u:secret@db/qrpay"))
