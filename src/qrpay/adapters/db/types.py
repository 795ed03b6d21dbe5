"""Column types that behave the same on SQLite and PostgreSQL.

``UtcDateTime`` takes and returns timezone-aware datetimes only. PostgreSQL keeps them as
``timestamptz``; SQLite, which has no time type, as fixed-width ISO 8601 text in UTC with
microseconds always written, so that comparing the text (``expires_at > :now``) compares
the instants.

``JsonText`` keeps JSON (a payment's route, an event's data) as text in both dialects:
the store writes and reads such values whole, and text gives back exactly what was
written, key order included, on either database. The one look inside is the operator's
filter and report by a route's network (``payment_reports.network_of``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import DateTime, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

_SQLITE_FORMAT: Final = "%Y-%m-%dT%H:%M:%S.%f+00:00"
SQLITE_TIMESTAMP_CHARS: Final = 32


class UtcDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(SQLITE_TIMESTAMP_CHARS))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        assert value.tzinfo is not None, "timestamps are timezone-aware"
        utc = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return utc.strftime(_SQLITE_FORMAT)
        return utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        assert value.tzinfo is not None, "stored timestamps are timezone-aware"
        return value.astimezone(UTC)


class JsonText(TypeDecorator[Any]):
    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return json.loads(value)
