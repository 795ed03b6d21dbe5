from __future__ import annotations

from datetime import UTC, timedelta

from qrpay.adapters.clock import Clock, SystemClock
from tests.fakes.clock import FakeClock


def test_the_system_clock_reads_aware_utc_time() -> None:
    clock: Clock = SystemClock()

    assert clock.now().tzinfo is UTC


def test_the_fake_clock_moves_only_when_advanced() -> None:
    fake = FakeClock()
    clock: Clock = fake
    start = clock.now()

    assert clock.now() == start
    fake.advance(seconds=1.5)
    assert clock.now() - start == timedelta(seconds=1.5)
