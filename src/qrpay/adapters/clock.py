"""The clock port: every expiry, TTL and backoff reads the time through a ``Clock``.

Time is injected (as in TigerBeetle's ``time.zig``) so tests run on a fake clock and never
sleep. ``now`` is always timezone-aware UTC; a naive datetime here would be a bug.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The machine's wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)
