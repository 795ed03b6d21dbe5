"""Business days: cut-off and time zone, daylight saving included; settlement lines."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from qrpay.domain.errors import BusinessDayInvalid
from qrpay.domain.settlement import (
    BusinessDayRule,
    Captured,
    SettlementKey,
    render_csv,
    settlement_lines,
)


def test_a_midnight_cutoff_is_the_calendar_day() -> None:
    start, end = BusinessDayRule("UTC").window(date(2026, 11, 24))
    assert start == datetime(2026, 11, 24, tzinfo=UTC)
    assert end == datetime(2026, 11, 25, tzinfo=UTC)


def test_a_22h_bangkok_cutoff_runs_from_the_evening_before() -> None:
    rule = BusinessDayRule("Asia/Bangkok", time(22, 0))
    start, end = rule.window(date(2026, 11, 24))
    assert start.astimezone(UTC) == datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    assert rule.day_of(datetime(2026, 11, 23, 15, 0, tzinfo=UTC)) == date(2026, 11, 24)
    assert rule.day_of(datetime(2026, 11, 23, 14, 59, tzinfo=UTC)) == date(2026, 11, 23)


def test_a_day_across_a_daylight_saving_change_has_its_wall_clock_length() -> None:
    start, end = BusinessDayRule("Europe/Berlin").window(date(2026, 3, 29))
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=23)


def test_an_unknown_zone_is_refused() -> None:
    with pytest.raises(BusinessDayInvalid, match="Mars/Olympus"):
        BusinessDayRule("Mars/Olympus")


def test_lines_net_gross_less_refunds_and_fees_per_key() -> None:
    key = SettlementKey("mer_1", "onus", "THB")
    other = SettlementKey("mer_1", "acquirer", "THB")
    lines = settlement_lines(
        date(2026, 11, 24),
        [Captured(key, 3, 9000)],
        [(key, 1000), (other, 200)],
        [(key, 90)],
    )
    assert [(line.network, line.count, line.net_minor) for line in lines] == [
        ("acquirer", 0, -200),
        ("onus", 3, 7910),
    ]
    assert render_csv(lines).splitlines()[0].startswith("business_day,merchant_id,network")
