"""The session store's behaviour, the same on every backend (``[memory]`` and ``[redis]``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import anyio
import pytest

from qrpay.adapters.session_store.base import SessionStore, Subscription
from qrpay.adapters.session_store.limits import SessionLimits
from qrpay.domain.errors import (
    SessionKeyInvalid,
    SessionMessageTooLarge,
    SessionSubscribersFull,
    SessionTtlOutOfRange,
    SessionValueTooLarge,
    Unavailable,
)
from tests.integration.concurrency import all_at_once
from tests.integration.conftest import SessionBackend

TTL_MS = 10_000
CONCURRENT_TAKERS = 50
DELIVERY_S = 1.0


async def _next(messages: Subscription) -> bytes:
    with anyio.fail_after(DELIVERY_S):
        return await anext(messages)


async def _eventually(check: Callable[[], bool], what: str) -> None:
    """Poll ``check()`` until true; a Redis store delivers through a reader task."""
    with anyio.fail_after(DELIVERY_S):
        while not check():
            await anyio.sleep(0.01)
    assert check(), what


# keys and values


async def test_put_then_get_returns_the_value(session_store: SessionStore) -> None:
    await session_store.put("checkout:1", b"open", TTL_MS)

    assert await session_store.get("checkout:1") == b"open"


async def test_get_of_a_missing_key_is_none(session_store: SessionStore) -> None:
    assert await session_store.get("checkout:none") is None
    assert await session_store.ttl_ms("checkout:none") is None


async def test_put_replaces_the_value_and_its_ttl(session_store: SessionStore) -> None:
    await session_store.put("k", b"first", 1_000)
    await session_store.put("k", b"second", TTL_MS)

    assert await session_store.get("k") == b"second"
    left_ms = await session_store.ttl_ms("k")
    assert left_ms is not None
    assert 1_000 < left_ms <= TTL_MS


async def test_a_key_expires_after_its_ttl(
    session_store: SessionStore, session_backend: SessionBackend
) -> None:
    # given a key with a 10 s TTL
    await session_store.put("token", b"v", TTL_MS)
    # when 9 s pass it is still there, with at most 1 s left
    await session_backend.advance(9_000)
    assert await session_store.get("token") == b"v"
    left_ms = await session_store.ttl_ms("token")
    assert left_ms is not None
    assert 0 < left_ms <= 1_000
    # when the last second passes it is gone for every operation
    await session_backend.advance(1_001)
    assert await session_store.get("token") is None
    assert await session_store.ttl_ms("token") is None
    assert await session_store.take("token") is None
    assert await session_store.delete("token") is False


async def test_put_new_sets_only_an_absent_key(session_store: SessionStore) -> None:
    assert await session_store.put_new("lock:checkout:1", b"owner-a", TTL_MS) is True
    assert await session_store.put_new("lock:checkout:1", b"owner-b", TTL_MS) is False

    assert await session_store.get("lock:checkout:1") == b"owner-a"


async def test_put_new_succeeds_again_once_the_key_expired(
    session_store: SessionStore, session_backend: SessionBackend
) -> None:
    await session_store.put_new("lock", b"a", 1_000)
    await session_backend.advance(1_001)

    assert await session_store.put_new("lock", b"b", 1_000) is True
    assert await session_store.get("lock") == b"b"


async def test_take_returns_the_value_once(session_store: SessionStore) -> None:
    await session_store.put("cpm:token", b"wallet-1", 60_000)

    assert await session_store.take("cpm:token") == b"wallet-1"
    assert await session_store.take("cpm:token") is None
    assert await session_store.get("cpm:token") is None


async def test_an_expired_token_cannot_be_taken(
    session_store: SessionStore, session_backend: SessionBackend
) -> None:
    await session_store.put("cpm:token", b"wallet-1", 60_000)
    await session_backend.advance(60_001)

    assert await session_store.take("cpm:token") is None


async def test_of_fifty_concurrent_takes_exactly_one_gets_the_token(
    session_store: SessionStore,
) -> None:
    # given a token, and connections already open so that the takes really overlap
    await all_at_once([lambda: session_store.get("warm-up")] * CONCURRENT_TAKERS)
    await session_store.put("cpm:token", b"wallet-1", 60_000)

    # when fifty redeems arrive together
    results = await all_at_once([lambda: session_store.take("cpm:token")] * CONCURRENT_TAKERS)

    # then one of them got it
    assert results.count(b"wallet-1") == 1
    assert results.count(None) == CONCURRENT_TAKERS - 1


async def test_of_fifty_concurrent_claims_exactly_one_wins(session_store: SessionStore) -> None:
    await all_at_once([lambda: session_store.get("warm-up")] * CONCURRENT_TAKERS)

    claims = [
        partial(session_store.put_new, "claim", bytes([n]), TTL_MS)
        for n in range(CONCURRENT_TAKERS)
    ]
    wins = await all_at_once(claims)

    assert wins.count(True) == 1
    assert wins.count(False) == CONCURRENT_TAKERS - 1


async def test_delete_says_whether_the_key_existed(session_store: SessionStore) -> None:
    await session_store.put("k", b"v", TTL_MS)

    assert await session_store.delete("k") is True
    assert await session_store.delete("k") is False
    assert await session_store.get("k") is None


async def test_values_are_bytes_kept_exactly(session_store: SessionStore) -> None:
    value = bytes(range(256)) + "é€".encode()
    await session_store.put("bin", value, TTL_MS)

    assert await session_store.get("bin") == value


async def test_ping_answers_when_the_backend_is_up(session_store: SessionStore) -> None:
    await session_store.ping()


# limits


@pytest.mark.parametrize("key", ["", "has space", "tab\tkey", "ключ", "k" * 201])
async def test_a_malformed_key_is_refused(session_store: SessionStore, key: str) -> None:
    with pytest.raises(SessionKeyInvalid) as caught:
        await session_store.put(key, b"v", TTL_MS)

    assert caught.value.code == "session.key_invalid"


async def test_a_value_over_the_limit_is_refused_and_nothing_is_stored(
    session_store: SessionStore,
) -> None:
    limit = session_store.limits.value_bytes_max
    await session_store.put("at-limit", b"x" * limit, TTL_MS)

    with pytest.raises(SessionValueTooLarge) as caught:
        await session_store.put("over", b"x" * (limit + 1), TTL_MS)
    with pytest.raises(SessionValueTooLarge):
        await session_store.put_new("over", b"x" * (limit + 1), TTL_MS)

    assert caught.value.code == "session.value_too_large"
    assert await session_store.get("over") is None


@pytest.mark.parametrize("ttl_ms", [0, -1, 24 * 60 * 60 * 1000 + 1])
async def test_a_ttl_out_of_range_is_refused(session_store: SessionStore, ttl_ms: int) -> None:
    with pytest.raises(SessionTtlOutOfRange) as caught:
        await session_store.put("k", b"v", ttl_ms)

    assert caught.value.code == "session.ttl_out_of_range"
    assert await session_store.get("k") is None


async def test_a_message_over_the_limit_is_refused(session_store: SessionStore) -> None:
    limit = session_store.limits.message_bytes_max

    with pytest.raises(SessionMessageTooLarge) as caught:
        await session_store.publish("status", b"x" * (limit + 1))

    assert caught.value.code == "session.message_too_large"


async def test_subscribers_past_the_limit_are_refused(session_backend: SessionBackend) -> None:
    store = session_backend.make(SessionLimits(subscribers_max=2))

    async with store.subscribe("a"), store.subscribe("b"):
        with pytest.raises(SessionSubscribersFull) as caught:
            async with store.subscribe("c"):
                pass  # pragma: no cover

        assert caught.value.code == "session.subscribers_full"
        assert store.subscriber_count == 2
    assert store.subscriber_count == 0


# publish and subscribe


async def test_a_publish_reaches_every_subscriber_of_its_channel_only(
    session_store: SessionStore,
) -> None:
    async with (
        session_store.subscribe("checkout:1") as first,
        session_store.subscribe("checkout:1") as second,
        session_store.subscribe("checkout:2") as other,
    ):
        await session_store.publish("checkout:1", b"paid")
        await session_store.publish("checkout:2", b"expired")

        assert await _next(first) == b"paid"
        assert await _next(second) == b"paid"
        assert await _next(other) == b"expired"
        assert first.channel == "checkout:1"


async def test_messages_arrive_in_the_order_published(session_store: SessionStore) -> None:
    sent = [f"status-{n}".encode() for n in range(20)]
    async with session_store.subscribe("checkout:1") as messages:
        for message in sent:
            await session_store.publish("checkout:1", message)

        assert [await _next(messages) for _ in sent] == sent
        assert messages.dropped == 0


async def test_a_publish_without_subscribers_goes_nowhere(session_store: SessionStore) -> None:
    await session_store.publish("checkout:nobody", b"paid")

    async with session_store.subscribe("checkout:nobody") as messages:
        await session_store.publish("checkout:nobody", b"later")
        assert await _next(messages) == b"later"


async def test_leaving_the_block_releases_the_subscription(session_store: SessionStore) -> None:
    async with session_store.subscribe("checkout:1"):
        assert session_store.subscriber_count == 1

    assert session_store.subscriber_count == 0
    # a later subscriber of the same channel still works
    async with session_store.subscribe("checkout:1") as messages:
        await session_store.publish("checkout:1", b"paid")
        assert await _next(messages) == b"paid"


async def test_a_cancelled_listener_releases_its_subscription(
    session_store: SessionStore,
) -> None:
    # given an SSE-like listener waiting for messages
    started = anyio.Event()

    async def listen() -> None:
        async with session_store.subscribe("checkout:1") as messages:
            started.set()
            async for _ in messages:
                pass  # pragma: no cover

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(listen)
        await started.wait()
        assert session_store.subscriber_count == 1
        # when its client disconnects
        tasks.cancel_scope.cancel()

    # then nothing is left subscribed
    assert session_store.subscriber_count == 0


async def test_a_slow_subscriber_loses_the_oldest_messages(
    session_backend: SessionBackend,
) -> None:
    store = session_backend.make(SessionLimits(subscriber_queue_max=3))
    async with store.subscribe("checkout:1") as messages:
        for n in range(5):
            await store.publish("checkout:1", f"status-{n}".encode())
        await _eventually(lambda: messages.dropped == 2, "two messages dropped")

        assert [await _next(messages) for _ in range(3)] == [b"status-2", b"status-3", b"status-4"]


async def test_closing_the_store_ends_subscriptions_and_later_calls(
    session_store: SessionStore,
) -> None:
    async with session_store.subscribe("checkout:1") as messages:
        await session_store.close()

        with anyio.fail_after(DELIVERY_S):
            assert [m async for m in messages] == []
    with pytest.raises(Unavailable):
        await session_store.get("k")
    with pytest.raises(Unavailable):
        await session_store.ping()
    await session_store.close()  # idempotent
