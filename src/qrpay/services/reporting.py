"""The operator's reports: payment volume, success rate and latency per hour and network.

Sources, both in the payments database so every instance answers the same:
- volume and success rate from the ``payments`` table. Only stored payments count: a
  payment the network declined is rolled back with its request in this version, so the
  rate reads 100 % until failed attempts are recorded (the connectivity work does that).
- latency from the ``latency_ms`` that each attempt's timeline event records (the
  connector's round trip), at most ``LATENCY_SAMPLES_MAX`` of the newest in the range;
  percentiles are nearest-rank, computed here because SQLite has no percentile function.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from qrpay.services.unit_of_work import AttemptLatency, HourlyVolume, UnitOfWork

REPORT_HOURS_MAX: Final = 7 * 24
LATENCY_SAMPLES_MAX: Final = 50_000
PERCENTILES: Final = (50, 95, 99)


@dataclass(frozen=True, slots=True)
class HourlyLatency:
    hour: datetime
    network: str
    samples: int
    latency_ms_p50: float
    latency_ms_p95: float
    latency_ms_p99: float


@dataclass(frozen=True, slots=True)
class PaymentReport:
    created_gte: datetime
    created_lt: datetime
    volume: list[HourlyVolume]
    latency: list[HourlyLatency]


def percentile(ordered: list[float], rank: int) -> float:
    """Nearest-rank percentile of values sorted ascending (rank 1 to 100)."""
    assert ordered, "a percentile of nothing"
    assert 1 <= rank <= 100
    index = math.ceil(rank / 100 * len(ordered)) - 1
    return ordered[max(index, 0)]


def latency_by_hour(samples: list[AttemptLatency]) -> list[HourlyLatency]:
    groups: dict[tuple[datetime, str], list[float]] = {}
    for sample in samples:
        hour = sample.created_at.replace(minute=0, second=0, microsecond=0)
        groups.setdefault((hour, sample.network), []).append(sample.latency_ms)
    found = []
    for (hour, network), values in sorted(groups.items()):
        values.sort()
        p50, p95, p99 = (percentile(values, rank) for rank in PERCENTILES)
        found.append(HourlyLatency(hour, network, len(values), p50, p95, p99))
    return found


async def payment_report(uow: UnitOfWork, now: datetime, hours: int) -> PaymentReport:
    """The last ``hours`` whole and current hours, oldest first."""
    assert 1 <= hours <= REPORT_HOURS_MAX
    until = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    since = until - timedelta(hours=hours)
    volume = await uow.payments.hourly_volume(created_gte=since, created_lt=until)
    samples = await uow.payments.attempt_latencies(
        created_gte=since, created_lt=until, limit=LATENCY_SAMPLES_MAX
    )
    return PaymentReport(since, until, volume, latency_by_hour(samples))
