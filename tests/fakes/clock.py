"""A clock that moves only when a test says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

FAKE_CLOCK_START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


class FakeClock:
    """Implements ``qrpay.adapters.clock.Clock``; starts at ``start``.

    A negative ``advance`` steps it back, as a wall clock corrected by NTP may step.
    """

    def __init__(self, start: datetime = FAKE_CLOCK_START) -> None:
        assert start.tzinfo is not None, "a clock reads aware UTC time"
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(
        self,
        *,
        milliseconds: float = 0,
        seconds: float = 0,
        minutes: float = 0,
        hours: float = 0,
        days: float = 0,
    ) -> None:
        delta = timedelta(
            milliseconds=milliseconds, seconds=seconds, minutes=minutes, hours=hours, days=days
        )
        self._now += delta
