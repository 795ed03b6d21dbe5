"""The Redis session store: production, shared by every gateway instance.

One bounded connection pool per store (``BlockingConnectionPool``: a burst waits up to
``pool_wait_ms`` for a connection instead of opening more). Every call has a timeout and at
most ``command_retries_max`` retries, so a Redis outage turns into ``Unavailable`` within
about a second instead of hanging a request. Atomic steps are single Redis commands:
``SET PX NX`` for ``put_new``, ``GETDEL`` for ``take`` (Redis 6.2 or later).

A retried command may have run once already: a retried ``GETDEL`` then answers None and a
retried ``SET NX`` False. Both fail closed (a token is refused, a lock is not taken), which
is the safe side for one-time tokens and claims.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Final

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError

from qrpay.adapters.session_store.base import Subscription
from qrpay.adapters.session_store.limits import (
    SessionLimits,
    check_entry,
    check_message,
    check_name,
    check_prefix,
)
from qrpay.adapters.session_store.redis_channels import ChannelSettings, RedisChannels
from qrpay.domain.errors import Unavailable

CLIENT_NAME: Final = "qrpay-session-store"
# PTTL's answers for "no such key" and "no expiry" (never written by this store).
_PTTL_MISSING: Final = -2
_PTTL_PERSISTENT: Final = -1


@dataclass(frozen=True, slots=True)
class RedisSettings:
    pool_connections_max: int = 32
    pool_wait_ms: int = 2_000
    connect_timeout_ms: int = 1_000
    command_timeout_ms: int = 1_000
    # One retry covers a pooled connection that went stale (Redis restarted, failover).
    command_retries_max: int = 1
    retry_backoff_ms_max: int = 100
    # A peer that vanished without a FIN is noticed by TCP keepalive after about this long.
    keepalive_idle_s: int = 10
    channels: ChannelSettings = field(default_factory=ChannelSettings)


class RedisSessionStore:
    """Implements ``SessionStore`` on Redis."""

    def __init__(
        self,
        client: Redis,
        *,
        prefix: str = "qrpay:",
        limits: SessionLimits | None = None,
        settings: RedisSettings | None = None,
    ) -> None:
        self._client = client
        self._prefix = check_prefix(prefix)
        self._limits = limits or SessionLimits()
        settings = settings or RedisSettings()
        self._channels = RedisChannels(
            client, prefix=self._prefix, limits=self._limits, settings=settings.channels
        )
        self._closed = False

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        prefix: str = "qrpay:",
        limits: SessionLimits | None = None,
        settings: RedisSettings | None = None,
        client_name: str = CLIENT_NAME,
    ) -> RedisSessionStore:
        settings = settings or RedisSettings()
        pool = BlockingConnectionPool.from_url(
            url,
            max_connections=settings.pool_connections_max,
            timeout=settings.pool_wait_ms / 1000,
            socket_connect_timeout=settings.connect_timeout_ms / 1000,
            socket_timeout=settings.command_timeout_ms / 1000,
            socket_keepalive=True,
            socket_keepalive_options=_keepalive_options(settings.keepalive_idle_s),
            retry=Retry(
                ExponentialBackoff(cap=settings.retry_backoff_ms_max / 1000, base=0.01),
                settings.command_retries_max,
            ),
            client_name=client_name,
        )
        return cls(Redis.from_pool(pool), prefix=prefix, limits=limits, settings=settings)

    @property
    def prefix(self) -> str:
        return self._prefix

    @property
    def limits(self) -> SessionLimits:
        return self._limits

    @property
    def subscriber_count(self) -> int:
        return self._channels.subscriber_count

    async def put(self, key: str, value: bytes, ttl_ms: int) -> None:
        name = self._name(key)
        check_entry(self._limits, value, ttl_ms)
        with _unavailable("SET"):
            await self._client.set(name, value, px=ttl_ms)

    async def put_new(self, key: str, value: bytes, ttl_ms: int) -> bool:
        name = self._name(key)
        check_entry(self._limits, value, ttl_ms)
        with _unavailable("SET NX"):
            return bool(await self._client.set(name, value, px=ttl_ms, nx=True))

    async def get(self, key: str) -> bytes | None:
        name = self._name(key)
        with _unavailable("GET"):
            return _bytes_or_none(await self._client.get(name))

    async def take(self, key: str) -> bytes | None:
        name = self._name(key)
        with _unavailable("GETDEL"):
            return _bytes_or_none(await self._client.getdel(name))

    async def delete(self, key: str) -> bool:
        name = self._name(key)
        with _unavailable("DEL"):
            return await self._client.delete(name) == 1

    async def ttl_ms(self, key: str) -> int | None:
        name = self._name(key)
        with _unavailable("PTTL"):
            left_ms = await self._client.pttl(name)
        if left_ms in (_PTTL_MISSING, _PTTL_PERSISTENT):
            return None
        assert left_ms >= 0
        return left_ms

    async def publish(self, channel: str, message: bytes) -> None:
        self._check_open()
        check_name(self._limits, channel, "channel")
        check_message(self._limits, message)
        with _unavailable("PUBLISH"):
            await self._client.publish(self._prefix + channel, message)

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[Subscription]:
        check_name(self._limits, channel, "channel")
        return self._channels.subscribe(channel)

    async def ping(self) -> None:
        self._check_open()
        with _unavailable("PING"):
            await self._client.ping()

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self._channels.close()
        await self._client.aclose()

    def _name(self, key: str) -> str:
        self._check_open()
        return self._prefix + check_name(self._limits, key)

    def _check_open(self) -> None:
        # redis-py would quietly reconnect a closed client; a closed store stays closed.
        if self._closed:
            raise Unavailable("session store closed")


@contextmanager
def _unavailable(command: str) -> Iterator[None]:
    # The message names the command only: redis-py's text carries host and port, which
    # belong in the log (through the chained exception), not in an API answer.
    try:
        yield
    except RedisError as exc:
        raise Unavailable(f"session store: Redis {command} failed") from exc


def _bytes_or_none(value: bytes | str | None) -> bytes | None:
    assert not isinstance(value, str), "the client must not decode responses"
    return value


def _keepalive_options(idle_s: int) -> dict[int, int]:
    # Linux names; elsewhere the OS defaults apply.
    wanted = {"TCP_KEEPIDLE": idle_s, "TCP_KEEPINTVL": max(1, idle_s // 2), "TCP_KEEPCNT": 3}
    return {getattr(socket, n): v for n, v in wanted.items() if hasattr(socket, n)}
