from __future__ import annotations

import anyio
import pytest

from qrpay.adapters.session_store.fanout import Fanout, QueuedSubscription
from qrpay.adapters.session_store.limits import SessionLimits
from qrpay.domain.errors import SessionSubscribersFull, Unavailable


async def test_a_full_queue_drops_its_oldest_message_and_counts_it() -> None:
    subscription = QueuedSubscription("c", queue_max=2)

    for message in (b"1", b"2", b"3"):
        subscription.deliver(message)

    assert subscription.dropped == 1
    assert [await anext(subscription), await anext(subscription)] == [b"2", b"3"]


async def test_an_ended_subscription_gives_what_it_queued_then_stops() -> None:
    subscription = QueuedSubscription("c", queue_max=4)
    subscription.deliver(b"last")

    subscription.end()
    subscription.deliver(b"after the end")

    assert [m async for m in subscription] == [b"last"]


async def test_a_lost_backend_raises_unavailable_after_the_queued_messages() -> None:
    subscription = QueuedSubscription("c", queue_max=4)
    subscription.deliver(b"last")

    subscription.end("backend lost")

    assert await anext(subscription) == b"last"
    with pytest.raises(Unavailable, match="backend lost"):
        await anext(subscription)


async def test_a_waiting_listener_wakes_on_delivery() -> None:
    subscription = QueuedSubscription("c", queue_max=4)
    received: list[bytes] = []

    async def listen() -> None:
        received.append(await anext(subscription))

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(listen)
        await anyio.sleep(0)
        subscription.deliver(b"paid")

    assert received == [b"paid"]


def test_remove_says_when_the_last_listener_of_a_channel_left() -> None:
    fanout = Fanout(SessionLimits())
    first, second = fanout.add("c"), fanout.add("c")

    assert fanout.remove(first) is False
    assert fanout.remove(second) is True
    assert fanout.remove(second) is False  # idempotent
    assert fanout.subscriber_count == 0


def test_subscribers_are_bounded_across_channels() -> None:
    fanout = Fanout(SessionLimits(subscribers_max=2))
    fanout.add("a")
    fanout.add("b")

    with pytest.raises(SessionSubscribersFull):
        fanout.add("c")


def test_end_all_forgets_every_subscription() -> None:
    fanout = Fanout(SessionLimits())
    subscription = fanout.add("a")

    fanout.end_all("gone")

    assert fanout.subscriber_count == 0
    assert fanout.deliver("a", b"m") == 0
    assert fanout.remove(subscription) is False
