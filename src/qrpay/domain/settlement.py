"""Business days and the settlement report of one: per merchant and network, what is owed.

A business day ends at the operator's cut-off, in the operator's time zone: with a 22:00
cut-off in Asia/Bangkok, business day 2026-11-24 runs from 2026-11-23 22:00 (inclusive) to
2026-11-24 22:00 (exclusive), Bangkok time. A cut-off of 00:00 makes it the calendar day.
The window is computed with zoneinfo, so a day that crosses a daylight-saving change is 23
or 25 hours long, as the wall clock says.

    net = gross - refunds - fees      (integer minor units, per currency; never summed across)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from qrpay.domain.errors import BusinessDayInvalid

SETTLEMENT_COLUMNS: Final = (
    "business_day",
    "merchant_id",
    "network",
    "currency",
    "count",
    "gross_minor",
    "refunds_minor",
    "fees_minor",
    "net_minor",
)


@dataclass(frozen=True, slots=True)
class BusinessDayRule:
    timezone: str = "UTC"
    cutoff: time = time(0, 0)

    def __post_init__(self) -> None:
        assert self.cutoff.tzinfo is None, "the cut-off is wall-clock time in ``timezone``"
        zone(self.timezone)

    def window(self, day: date) -> tuple[datetime, datetime]:
        """[start, end) of business day ``day``, as aware UTC-comparable datetimes."""
        tz = zone(self.timezone)
        end = datetime.combine(day, self.cutoff, tzinfo=tz)
        if self.cutoff == time(0, 0):
            end = datetime.combine(day + timedelta(days=1), self.cutoff, tzinfo=tz)
        start = datetime.combine(end.date() - timedelta(days=1), self.cutoff, tzinfo=tz)
        assert start < end
        return start, end

    def day_of(self, instant: datetime) -> date:
        """The business day an instant belongs to."""
        assert instant.tzinfo is not None
        local = instant.astimezone(zone(self.timezone))
        wall = local.replace(tzinfo=None)
        cut = datetime.combine(wall.date(), self.cutoff)
        if self.cutoff == time(0, 0):
            return wall.date()
        return wall.date() + timedelta(days=1) if wall >= cut else wall.date()


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BusinessDayInvalid(
            f"unknown time zone {name!r} (an IANA name, e.g. Asia/Bangkok)"
        ) from exc


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise BusinessDayInvalid(f"{text!r} is not a date (YYYY-MM-DD)") from exc


def parse_cutoff(text: str) -> time:
    try:
        cutoff = time.fromisoformat(text)
    except ValueError as exc:
        raise BusinessDayInvalid(f"{text!r} is not a time of day (HH:MM)") from exc
    if cutoff.tzinfo is not None:
        raise BusinessDayInvalid("the cut-off is a wall-clock time; the zone is set apart")
    return cutoff


@dataclass(frozen=True, slots=True)
class SettlementKey:
    merchant_id: str
    network: str
    currency: str


@dataclass(frozen=True, slots=True)
class SettlementLine:
    business_day: date
    merchant_id: str
    network: str
    currency: str
    count: int
    gross_minor: int
    refunds_minor: int
    fees_minor: int
    net_minor: int

    def __post_init__(self) -> None:
        assert self.count >= 0
        assert self.gross_minor >= 0
        assert self.refunds_minor >= 0
        assert self.fees_minor >= 0
        assert self.net_minor == self.gross_minor - self.refunds_minor - self.fees_minor

    def as_row(self) -> dict[str, object]:
        row = asdict(self)
        row["business_day"] = self.business_day.isoformat()
        return row


@dataclass(frozen=True, slots=True)
class Captured:
    """Payments captured in the window under one key: how many and how much."""

    key: SettlementKey
    count: int
    amount_minor: int


def settlement_lines(
    day: date,
    captured: Iterable[Captured],
    refunds: Iterable[tuple[SettlementKey, int]],
    fees: Iterable[tuple[SettlementKey, int]],
) -> list[SettlementLine]:
    """One line per key with any activity, sorted by merchant, network and currency."""
    counts: dict[SettlementKey, int] = {}
    sums: dict[SettlementKey, list[int]] = {}
    for item in captured:
        counts[item.key] = counts.get(item.key, 0) + item.count
        sums.setdefault(item.key, [0, 0, 0])[0] += item.amount_minor
    for key, amount in refunds:
        sums.setdefault(key, [0, 0, 0])[1] += amount
    for key, amount in fees:
        sums.setdefault(key, [0, 0, 0])[2] += amount
    lines = [
        SettlementLine(
            day,
            key.merchant_id,
            key.network,
            key.currency,
            counts.get(key, 0),
            gross,
            refunded,
            fee,
            gross - refunded - fee,
        )
        for key, (gross, refunded, fee) in sums.items()
    ]
    return sorted(lines, key=lambda line: (line.merchant_id, line.network, line.currency))


def render_csv(lines: Iterable[SettlementLine]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SETTLEMENT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(line.as_row() for line in lines)
    return buffer.getvalue()
