"""Redis pub/sub for one store instance: one connection, fanned out to local listeners.

N server-sent-event clients on a gateway instance share one ``PubSub`` connection: the first
listener of a channel sends SUBSCRIBE, the last one to leave sends UNSUBSCRIBE, and a reader
task hands each message to the local queues (``fanout.py``). The reader runs while the
connection has subscriptions, and retires (closing the connection) when it has none.

Subscribing waits for Redis to confirm, so a publish made after ``subscribe`` returns is
delivered. Confirmations come back in the order the SUBSCRIBEs were sent, which is what
the per-channel FIFO of waiters relies on.

When the connection drops, redis-py reconnects and re-subscribes; the reader adds bounded
backoff between attempts and, after ``reconnect_attempts_max`` failures in a row, ends every
subscription with ``Unavailable`` so that SSE clients reconnect (and re-read state) instead
of waiting on a dead stream. Messages published while disconnected are lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from qrpay.adapters.session_store.base import Subscription
from qrpay.adapters.session_store.fanout import Fanout
from qrpay.adapters.session_store.limits import SessionLimits
from qrpay.domain.errors import Unavailable

logger = logging.getLogger(__name__)

LOST_MESSAGE = "session store lost its Redis pub/sub connection"


@dataclass(frozen=True, slots=True)
class ChannelSettings:
    subscribe_timeout_ms: int = 2_000
    # How long one read waits; bounds how late the reader notices it should retire or stop.
    poll_ms: int = 1_000
    reconnect_attempts_max: int = 10
    reconnect_backoff_ms_min: int = 50
    reconnect_backoff_ms_max: int = 2_000

    def backoff_ms(self, failures: int) -> int:
        assert failures >= 1
        exponent = min(failures - 1, 16)  # 2**16 * 50 ms is past any sane cap already
        return min(self.reconnect_backoff_ms_max, self.reconnect_backoff_ms_min << exponent)


class _Remote:
    """Redis's side of one channel: confirmed once, or failed."""

    def __init__(self) -> None:
        self.done = asyncio.Event()
        self.failed = False

    def confirm(self) -> None:
        self.done.set()

    def fail(self) -> None:
        self.failed = True
        self.done.set()


class RedisChannels:
    def __init__(
        self,
        client: Redis,
        *,
        prefix: str,
        limits: SessionLimits,
        settings: ChannelSettings,
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._settings = settings
        self._fanout = Fanout(limits)
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()  # one SUBSCRIBE/UNSUBSCRIBE on the wire at a time
        self._remotes: dict[str, _Remote] = {}  # channel -> current remote subscription
        self._waiters: dict[str, deque[_Remote]] = {}  # Redis name -> unconfirmed, sent order
        self._unsubscribing: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    @property
    def subscriber_count(self) -> int:
        return self._fanout.subscriber_count

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscription]:
        if self._closed:
            raise Unavailable("session store closed")
        subscription = self._fanout.add(channel)
        try:
            await self._confirm(channel)
            yield subscription
        finally:
            # No await here: this runs when a disconnecting client's task is cancelled.
            if self._fanout.remove(subscription):
                self._forget(channel)

    async def close(self) -> None:
        self._closed = True
        self._fanout.end_all()
        self._fail_remotes()
        tasks = [*self._tasks, *([self._reader] if self._reader else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._pubsub is not None:
            await self._retire(self._pubsub)

    async def _confirm(self, channel: str) -> None:
        remote = self._remotes.get(channel)
        if remote is None:
            remote = self._remotes[channel] = _Remote()
            await self._send_subscribe(channel, remote)
        try:
            async with asyncio.timeout(self._settings.subscribe_timeout_ms / 1000):
                await remote.done.wait()
        except TimeoutError as exc:
            raise Unavailable("session store: Redis did not confirm a subscription") from exc
        if remote.failed:
            raise Unavailable(LOST_MESSAGE)

    async def _send_subscribe(self, channel: str, remote: _Remote) -> None:
        name = self._prefix + channel
        async with self._lock:
            if self._pubsub is None:
                self._pubsub = self._client.pubsub()
            waiters = self._waiters.setdefault(name, deque())
            waiters.append(remote)
            try:
                await self._pubsub.subscribe(name)
            except RedisError as exc:
                waiters.remove(remote)
                remote.fail()
                raise Unavailable("session store: Redis SUBSCRIBE failed") from exc
            if self._reader is None:
                self._reader = asyncio.get_running_loop().create_task(self._run(self._pubsub))

    def _forget(self, channel: str) -> None:
        self._remotes.pop(channel, None)
        self._unsubscribe_later(channel)

    def _unsubscribe_later(self, channel: str) -> None:
        if self._closed or self._pubsub is None or channel in self._unsubscribing:
            return
        self._unsubscribing.add(channel)
        task = asyncio.get_running_loop().create_task(self._unsubscribe(channel))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _unsubscribe(self, channel: str) -> None:
        try:
            async with self._lock:
                # A listener may have come back while this task waited for the lock.
                if channel in self._remotes or self._pubsub is None:
                    return
                await self._pubsub.unsubscribe(self._prefix + channel)
        except RedisError:
            # The reader's stale-message check sends it again once the connection is back.
            logger.warning("session store: UNSUBSCRIBE failed", exc_info=True)
        finally:
            self._unsubscribing.discard(channel)

    async def _run(self, pubsub: PubSub) -> None:
        try:
            await self._read(pubsub)
        except Exception:
            # Nobody awaits this task: without this, listeners would wait on a dead reader.
            logger.exception("session store: pub/sub reader failed; ending subscriptions")
            await self._lose(pubsub)

    async def _read(self, pubsub: PubSub) -> None:
        failures = 0
        while True:
            if not pubsub.subscribed and await self._retired_idle(pubsub):
                return
            try:
                message = await pubsub.get_message(timeout=self._settings.poll_ms / 1000)
            except (RedisError, OSError):
                failures += 1
                if failures > self._settings.reconnect_attempts_max:
                    logger.error("session store: pub/sub reconnect gave up")
                    await self._lose(pubsub)
                    return
                logger.warning("session store: pub/sub connection lost (try %d)", failures)
                await asyncio.sleep(self._settings.backoff_ms(failures) / 1000)
                continue
            failures = 0
            if message is not None:
                self._dispatch(message)

    async def _retired_idle(self, pubsub: PubSub) -> bool:
        """Close the connection once nothing is subscribed; no SUBSCRIBE can race this."""
        async with self._lock:
            if pubsub.subscribed:
                return False
            await self._retire(pubsub)
            return True

    async def _lose(self, pubsub: PubSub) -> None:
        self._fanout.end_all(LOST_MESSAGE)
        self._fail_remotes()
        async with self._lock:
            await self._retire(pubsub)

    async def _retire(self, pubsub: PubSub) -> None:
        if self._pubsub is pubsub:
            self._pubsub = None
            self._reader = None
        for waiters in self._waiters.values():
            for remote in waiters:
                remote.fail()
        self._waiters.clear()
        try:
            await pubsub.aclose()  # type: ignore[no-untyped-call]  # redis-py leaves it untyped
        except (RedisError, OSError):
            logger.warning("session store: closing pub/sub connection failed", exc_info=True)

    def _fail_remotes(self) -> None:
        for remote in self._remotes.values():
            remote.fail()
        self._remotes.clear()

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind, raw_name, data = message["type"], message["channel"], message["data"]
        if not isinstance(raw_name, bytes):
            return  # a pong has no channel
        name = raw_name.decode()
        if kind == "subscribe":
            waiters = self._waiters.get(name)
            if waiters:
                waiters.popleft().confirm()
            if not waiters:
                self._waiters.pop(name, None)
        elif kind == "message" and isinstance(data, bytes):
            channel = name.removeprefix(self._prefix)
            # A message nobody here listens to means an UNSUBSCRIBE was lost: send it again.
            if self._fanout.deliver(channel, data) == 0 and channel not in self._remotes:
                self._unsubscribe_later(channel)
