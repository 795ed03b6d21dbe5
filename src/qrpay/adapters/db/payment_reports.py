"""The operator's questions about payments across merchants: by network, per hour.

The network a payment went over lives only inside its route (``route["network"]``, JSON
text, see ``types.JsonText``), so the two dialects are asked differently: SQLite's
``json_extract`` and PostgreSQL's ``json_extract_path_text``. Hours are UTC and compared
as text ``YYYY-MM-DDTHH``: SQLite keeps timestamps as ISO text, PostgreSQL formats them.

Latency is not a column: each attempt's timeline event records ``latency_ms``. Those are
read back (newest first, at most a given number) and summarised by the caller, because
percentiles are not portable SQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import JSON, case, cast, func, select
from sqlalchemy.sql import ColumnElement

from qrpay.adapters.db.connection import Db
from qrpay.adapters.db.schema import payment_events, payments
from qrpay.domain.payments import CAPTURED, PaymentEventKind
from qrpay.services.unit_of_work import AttemptLatency, HourlyVolume

_p = payments.c
_e = payment_events.c
LATENCIES_MAX: Final = 50_000
"""The most attempt latencies one report reads."""
_HOUR_FORMAT: Final = "%Y-%m-%dT%H"
UNKNOWN_NETWORK: Final = "unknown"


def network_of(db: Db) -> ColumnElement[Any]:
    """The route's chosen network, as SQL text (NULL when the payment has no route)."""
    if db.dialect == "postgresql":
        return func.json_extract_path_text(cast(_p.route, JSON), "network")
    return func.json_extract(_p.route, "$.network")


def _hour_of(db: Db) -> ColumnElement[Any]:
    if db.dialect == "postgresql":
        return func.to_char(func.timezone("UTC", _p.created_at), 'YYYY-MM-DD"T"HH24')
    return func.substr(_p.created_at, 1, len("YYYY-MM-DDTHH"))


async def hourly_volume(db: Db, created_gte: datetime, created_lt: datetime) -> list[HourlyVolume]:
    hour, network = _hour_of(db).label("hour"), network_of(db).label("network")
    captured = _p.status.in_([s.value for s in CAPTURED])
    query = (
        select(
            hour,
            network,
            _p.currency,
            func.count().label("created"),
            func.sum(case((captured, 1), else_=0)).label("succeeded"),
            func.sum(case((captured, _p.amount_minor), else_=0)).label("amount"),
        )
        .where(_p.created_at >= created_gte, _p.created_at < created_lt)
        .group_by(hour, network, _p.currency)
        .order_by(hour, network, _p.currency)
    )
    return [
        HourlyVolume(
            hour=datetime.strptime(row.hour, _HOUR_FORMAT).replace(tzinfo=UTC),
            network=row.network or UNKNOWN_NETWORK,
            currency=row.currency,
            created=int(row.created),
            succeeded=int(row.succeeded),
            amount_succeeded_minor=int(row.amount),
        )
        for row in await db.execute(query)
    ]


async def attempt_latencies(
    db: Db, created_gte: datetime, created_lt: datetime, limit: int
) -> list[AttemptLatency]:
    assert 1 <= limit <= LATENCIES_MAX
    query = (
        select(_e.created_at, _e.data, _p.route)
        .join(payments, _p.id == _e.payment_id)
        .where(
            _e.kind == PaymentEventKind.ATTEMPT.value,
            _e.created_at >= created_gte,
            _e.created_at < created_lt,
        )
        .order_by(_e.seq.desc())
        .limit(limit)
    )
    found = []
    for row in await db.execute(query):
        latency = row.data.get("latency_ms")
        if isinstance(latency, int | float):
            network = (row.route or {}).get("network") or UNKNOWN_NETWORK
            found.append(AttemptLatency(row.created_at, network, float(latency)))
    return found
