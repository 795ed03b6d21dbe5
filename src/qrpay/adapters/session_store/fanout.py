"""Local fan-out: one bounded queue per listener, shared by both backends.

The in-process store publishes straight into it. The Redis store feeds it from its one
pub/sub connection, so N listeners on a gateway instance cost one Redis connection, not N.
"""

from __future__ import annotations

import asyncio
from collections import deque

from qrpay.adapters.session_store.limits import SessionLimits
from qrpay.domain.errors import SessionSubscribersFull, Unavailable


class QueuedSubscription:
    """One listener's messages. Implements ``base.Subscription``.

    A full queue drops its oldest message: ``publish`` must never wait for a slow
    listener, and the newest status is the one a checkout page needs.
    """

    def __init__(self, channel: str, queue_max: int) -> None:
        assert queue_max > 0
        self._channel = channel
        self._queue: deque[bytes] = deque(maxlen=queue_max)
        self._ready = asyncio.Event()
        self._dropped = 0
        self._ended = False
        self._failure: str | None = None

    @property
    def channel(self) -> str:
        return self._channel

    @property
    def dropped(self) -> int:
        return self._dropped

    def deliver(self, message: bytes) -> None:
        if self._ended:
            return
        if len(self._queue) == self._queue.maxlen:
            self._dropped += 1  # deque(maxlen) drops the oldest on append
        self._queue.append(message)
        self._ready.set()

    def end(self, failure: str | None = None) -> None:
        """No more messages: once the queue is empty, iteration stops, or raises
        ``Unavailable(failure)`` when the backend was lost."""
        if not self._ended:
            self._ended = True
            self._failure = failure
        self._ready.set()

    def __aiter__(self) -> QueuedSubscription:
        return self

    async def __anext__(self) -> bytes:
        while not self._queue:
            if self._failure is not None:
                raise Unavailable(self._failure)
            if self._ended:
                raise StopAsyncIteration
            self._ready.clear()
            await self._ready.wait()
        return self._queue.popleft()


class Fanout:
    """Channel (without the store's prefix) -> its local subscriptions.

    ``subscribers_max`` bounds the subscriptions of all channels together.
    """

    def __init__(self, limits: SessionLimits) -> None:
        self._limits = limits
        self._channels: dict[str, set[QueuedSubscription]] = {}
        self._count = 0

    @property
    def subscriber_count(self) -> int:
        return self._count

    def listeners(self, channel: str) -> int:
        return len(self._channels.get(channel, ()))

    def add(self, channel: str) -> QueuedSubscription:
        if self._count >= self._limits.subscribers_max:
            raise SessionSubscribersFull(
                f"more than {self._limits.subscribers_max} subscribers on this instance"
            )
        subscription = QueuedSubscription(channel, self._limits.subscriber_queue_max)
        self._channels.setdefault(channel, set()).add(subscription)
        self._count += 1
        return subscription

    def remove(self, subscription: QueuedSubscription) -> bool:
        """Forget the subscription (idempotent). True if it was its channel's last listener."""
        subscription.end()
        listeners = self._channels.get(subscription.channel)
        if listeners is None or subscription not in listeners:
            return False
        listeners.remove(subscription)
        self._count -= 1
        assert self._count >= 0
        if listeners:
            return False
        del self._channels[subscription.channel]
        return True

    def deliver(self, channel: str, message: bytes) -> int:
        listeners = self._channels.get(channel, ())
        for subscription in listeners:
            subscription.deliver(message)
        return len(listeners)

    def end_all(self, failure: str | None = None) -> None:
        for listeners in self._channels.values():
            for subscription in listeners:
                subscription.end(failure)
        self._channels.clear()
        self._count = 0
