"""Percentiles and hourly grouping of the operator's latency report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from qrpay.services.reporting import HourlyLatency, latency_by_hour, percentile
from qrpay.services.unit_of_work import AttemptLatency

HOUR = datetime(2026, 11, 24, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("values", "rank", "expected"),
    [
        ([5.0], 50, 5.0),
        ([5.0], 99, 5.0),
        ([1.0, 2.0, 3.0, 4.0], 50, 2.0),
        ([1.0, 2.0, 3.0, 4.0], 95, 4.0),
        ([float(v) for v in range(1, 101)], 99, 99.0),
        ([float(v) for v in range(1, 101)], 1, 1.0),
    ],
)
def test_percentile_is_nearest_rank(values: list[float], rank: int, expected: float) -> None:
    assert percentile(values, rank) == expected


def test_latency_groups_by_hour_and_network() -> None:
    samples = [
        AttemptLatency(HOUR + timedelta(minutes=5), "qrpay", 30.0),
        AttemptLatency(HOUR + timedelta(minutes=59), "qrpay", 10.0),
        AttemptLatency(HOUR + timedelta(minutes=61), "qrpay", 7.0),
        AttemptLatency(HOUR + timedelta(minutes=1), "pix", 90.0),
    ]

    assert latency_by_hour(samples) == [
        HourlyLatency(HOUR, "pix", 1, 90.0, 90.0, 90.0),
        HourlyLatency(HOUR, "qrpay", 2, 10.0, 30.0, 30.0),
        HourlyLatency(HOUR + timedelta(hours=1), "qrpay", 1, 7.0, 7.0, 7.0),
    ]
