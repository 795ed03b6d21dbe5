"""A checkout's event stream: first status at once, heartbeats, bounds, and the poll that
keeps it right without a channel."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from qrpay.adapters.session_store.memory import MemorySessionStore
from qrpay.api.live import Snapshot, checkout_events
from qrpay.api.state import Limits
from qrpay.domain.checkouts import CheckoutStatus
from qrpay.services.checkout_status import announce
from tests.fakes.clock import FakeClock

OPEN = Snapshot(CheckoutStatus.OPEN, None)
PAID = Snapshot(CheckoutStatus.PAID, "pay_1")
QUICK = Limits(live_poll_s=0.01, live_heartbeat_s=0.0, live_stream_s_max=0.05)


def _reader(snapshots: list[Snapshot]) -> AsyncIterator[Snapshot]:
    async def read() -> Snapshot:
        return snapshots[0] if len(snapshots) == 1 else snapshots.pop(0)

    return read  # type: ignore[return-value]


async def _collect(stream: AsyncIterator[bytes]) -> list[bytes]:
    return [chunk async for chunk in stream]


async def test_a_final_status_is_sent_once_and_ends_the_stream() -> None:
    chunks = await _collect(checkout_events("chk_1", _reader([PAID]), None, QUICK))  # type: ignore[arg-type]

    assert chunks == [b"retry: 3000\n\n", PAID.event()]


async def test_without_a_channel_the_poll_finds_the_change() -> None:
    snapshots = [OPEN, OPEN, OPEN, PAID]
    limits = Limits(live_poll_s=0.01, live_heartbeat_s=60.0, live_stream_s_max=10.0)

    chunks = await _collect(checkout_events("chk_1", _reader(snapshots), None, limits))  # type: ignore[arg-type]

    assert chunks == [b"retry: 3000\n\n", OPEN.event(), PAID.event()]


async def test_an_unchanged_stream_sends_heartbeats_and_ends_at_its_bound() -> None:
    chunks = await _collect(checkout_events("chk_1", _reader([OPEN]), None, QUICK))  # type: ignore[arg-type]

    assert chunks[:2] == [b"retry: 3000\n\n", OPEN.event()]
    assert set(chunks[2:]) == {b": heartbeat\n\n"}


async def test_an_announcement_wakes_the_stream_before_its_poll_is_due() -> None:
    store = MemorySessionStore(clock=FakeClock())
    state = [OPEN]
    limits = Limits(live_poll_s=60.0, live_heartbeat_s=60.0, live_stream_s_max=60.0)

    async def read() -> Snapshot:
        return state[0]

    async def pay_soon() -> None:
        await asyncio.sleep(0.05)
        state[0] = PAID
        await announce(store, "chk_1", CheckoutStatus.PAID, "pay_1")

    payer = asyncio.create_task(pay_soon())
    chunks = await asyncio.wait_for(_collect(checkout_events("chk_1", read, store, limits)), 5)
    await payer
    await store.close()

    assert chunks == [b"retry: 3000\n\n", OPEN.event(), PAID.event()]
