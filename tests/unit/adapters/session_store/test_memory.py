"""The in-process store's own housekeeping; its behaviour is in tests/integration."""

from __future__ import annotations

import pytest

from qrpay.adapters.session_store.limits import SessionLimits
from qrpay.adapters.session_store.memory import MemorySessionStore
from qrpay.domain.errors import SessionStoreFull
from tests.fakes.clock import FakeClock

TTL_MS = 1_000


async def test_reading_an_expired_key_purges_it(fake_clock: FakeClock) -> None:
    store = MemorySessionStore(clock=fake_clock)
    await store.put("k", b"v", TTL_MS)
    fake_clock.advance(seconds=1)

    assert store.key_count == 1  # expired, not yet touched
    assert await store.get("k") is None
    assert store.key_count == 0


async def test_a_write_sweeps_a_bounded_batch_of_expired_keys(fake_clock: FakeClock) -> None:
    # given 250 keys that expired together
    store = MemorySessionStore(clock=fake_clock, limits=SessionLimits(sweep_keys_max=100))
    for n in range(250):
        await store.put(f"old:{n}", b"v", TTL_MS)
    fake_clock.advance(seconds=2)

    # when keys are written, each write sweeps at most 100 of them, earliest first
    await store.put("new:1", b"v", TTL_MS)
    assert store.key_count == 150 + 1
    await store.put("new:2", b"v", TTL_MS)
    assert store.key_count == 50 + 2
    await store.put("new:3", b"v", TTL_MS)
    assert store.key_count == 3


async def test_a_rewritten_key_is_not_swept_by_its_old_expiry(fake_clock: FakeClock) -> None:
    store = MemorySessionStore(clock=fake_clock)
    await store.put("k", b"short", TTL_MS)
    await store.put("k", b"long", 10 * TTL_MS)
    fake_clock.advance(seconds=2)

    await store.put("other", b"v", TTL_MS)  # sweeps the stale expiry of "k"

    assert await store.get("k") == b"long"


async def test_a_full_store_refuses_new_keys_until_some_expire(fake_clock: FakeClock) -> None:
    store = MemorySessionStore(clock=fake_clock, limits=SessionLimits(keys_max=2))
    await store.put("a", b"v", TTL_MS)
    await store.put("b", b"v", 2 * TTL_MS)

    with pytest.raises(SessionStoreFull) as caught:
        await store.put_new("c", b"v", TTL_MS)
    await store.put("a", b"replaced", TTL_MS)  # an existing key may still be rewritten

    assert caught.value.code == "session.store_full"
    fake_clock.advance(seconds=1)
    await store.put("c", b"v", TTL_MS)
    assert await store.get("c") == b"v"


async def test_expiry_reads_the_injected_clock_only(fake_clock: FakeClock) -> None:
    store = MemorySessionStore(clock=fake_clock)
    await store.put("k", b"v", TTL_MS)

    assert await store.ttl_ms("k") == TTL_MS
    fake_clock.advance(seconds=0.25)
    assert await store.ttl_ms("k") == 750
