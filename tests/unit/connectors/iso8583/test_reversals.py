"""The durable reversal queue and its worker, over SQLite in a temporary folder."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

from qrpay.connectors.iso8583.messages import Message
from qrpay.connectors.iso8583.reversals import (
    Reversal,
    ReversalPolicy,
    ReversalStatus,
    ReversalWorker,
    SqliteReversalStore,
)
from qrpay.connectors.iso8583.spec import Mti, ReversalReason
from qrpay.connectors.iso8583.transport import NoAnswer
from tests.fakes.clock import FakeClock

ORIGINAL = Message(
    Mti.AUTHORIZATION_REQUEST,
    {2: "4111111111111111", 4: "000000001000", 7: "1124090000", 11: "000042", 41: "TERM0001"},
)
POLICY = ReversalPolicy(attempts_max=3, timeout_ms=100, backoff_ms_min=1_000, armed_stale_ms=5_000)


class Sender:
    """Fails ``failures`` times, then answers ``code``; records every transmission."""

    def __init__(self, failures: int = 0, code: str = "00") -> None:
        self.failures = failures
        self.code = code
        self.sent: list[tuple[str, bool]] = []

    async def send_reversal(self, reversal: Reversal, *, repeat: bool, timeout_ms: int) -> str:
        self.sent.append((reversal.id, repeat))
        if self.failures:
            self.failures -= 1
            raise NoAnswer("scripted silence")
        return self.code


def _armed(clock: FakeClock) -> Reversal:
    return Reversal.of(
        ORIGINAL, ReversalReason.RESPONSE_TOO_LATE, ReversalStatus.ARMED, clock.now(), "pay", "att"
    )


async def _queued(worker: ReversalWorker, clock: FakeClock) -> Reversal:
    """A reversal as the connector leaves it after no answer: armed, then due."""
    reversal = _armed(clock)
    await worker.store.arm(reversal)
    await worker.store.make_due(reversal.id, clock.now())
    return reversal


def _worker(tmp_path: Path, sender: Sender, clock: FakeClock) -> ReversalWorker:
    store = SqliteReversalStore(tmp_path / "reversals.sqlite3")
    return ReversalWorker(store, sender, clock.now, POLICY, random.Random(1))


def test_a_reversal_never_keeps_card_data() -> None:
    reversal = _armed(FakeClock())

    assert reversal.original.get(2) is None
    assert reversal.id == "TERM0001-1124090000-000042"


async def test_a_disarmed_reversal_is_never_sent(tmp_path: Path) -> None:
    clock, sender = FakeClock(), Sender()
    worker = _worker(tmp_path, sender, clock)
    await worker.store.arm(_armed(clock))

    await worker.store.disarm(_armed(clock).id)
    clock.advance(minutes=5)
    await worker.run_once()

    assert sender.sent == []


async def test_a_due_reversal_is_sent_as_0400_then_repeated_until_acknowledged(
    tmp_path: Path,
) -> None:
    clock, sender = FakeClock(), Sender(failures=1)
    worker = _worker(tmp_path, sender, clock)
    reversal = await _queued(worker, clock)

    await worker.run_once()
    waiting = await worker.store.get(reversal.id)
    clock.advance(seconds=2)
    await worker.run_once()
    done = await worker.store.get(reversal.id)

    assert sender.sent == [(reversal.id, False), (reversal.id, True)]
    assert waiting is not None
    assert waiting.status is ReversalStatus.DUE
    assert waiting.next_attempt_at > clock.now() - timedelta(seconds=2)
    assert done is not None
    assert (done.status, done.response_code, done.attempts) == (
        ReversalStatus.ACKNOWLEDGED,
        "00",
        2,
    )


async def test_backoff_holds_a_repeat_back_until_it_is_due(tmp_path: Path) -> None:
    clock, sender = FakeClock(), Sender(failures=5)
    worker = _worker(tmp_path, sender, clock)
    await _queued(worker, clock)

    await worker.run_once()
    await worker.run_once()

    assert len(sender.sent) == 1


async def test_after_attempts_max_the_reversal_is_abandoned(tmp_path: Path) -> None:
    clock, sender = FakeClock(), Sender(failures=10)
    worker = _worker(tmp_path, sender, clock)
    reversal = await _queued(worker, clock)

    for _ in range(5):
        await worker.run_once()
        clock.advance(minutes=10)
    final = await worker.store.get(reversal.id)

    assert len(sender.sent) == POLICY.attempts_max
    assert final is not None
    assert final.status is ReversalStatus.ABANDONED


async def test_an_armed_reversal_left_by_a_dead_process_falls_due(tmp_path: Path) -> None:
    clock, sender = FakeClock(), Sender()
    before_crash = _worker(tmp_path, sender, clock)
    reversal = _armed(clock)
    await before_crash.store.arm(reversal)

    after_restart = _worker(tmp_path, sender, clock)
    await after_restart.run_once()
    assert sender.sent == [], "a fresh armed row may belong to a live request"
    clock.advance(milliseconds=POLICY.armed_stale_ms)
    await after_restart.run_once()

    assert sender.sent == [(reversal.id, False)]
    done = await after_restart.store.get(reversal.id)
    assert done is not None
    assert done.status is ReversalStatus.ACKNOWLEDGED


async def test_enqueueing_an_acknowledged_reversal_again_changes_nothing(tmp_path: Path) -> None:
    clock, sender = FakeClock(), Sender(code="25")
    worker = _worker(tmp_path, sender, clock)
    reason = ReversalReason.CUSTOMER_CANCELLATION
    due = Reversal.of(ORIGINAL, reason, ReversalStatus.DUE, clock.now())
    await worker.store.enqueue(due)
    await worker.run_once()

    await worker.store.enqueue(due)
    await worker.run_once()
    stored = await worker.store.get(due.id)

    assert len(sender.sent) == 1
    assert stored is not None
    assert (stored.status, stored.response_code) == (ReversalStatus.ACKNOWLEDGED, "25")
