"""The in-process session store: the embedded default, and the fake in tests.

One dict of entries with an absolute expiry in epoch milliseconds read from the injected
clock, so TTL tests move a fake clock instead of sleeping. An expired entry is invisible at
once, removed when a call touches it, and swept in bounded batches (``sweep_keys_max`` per
write, earliest expiry first) so memory does not fill with dead keys nobody reads again.

Atomicity: the store lives on one event loop and no method awaits between reading and
writing an entry, so ``take`` and ``put_new`` are atomic among tasks. It is not shared
between processes: two gateway instances need the Redis store.
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from qrpay.adapters.clock import Clock
from qrpay.adapters.session_store.base import Subscription
from qrpay.adapters.session_store.fanout import Fanout
from qrpay.adapters.session_store.limits import (
    SessionLimits,
    check_entry,
    check_message,
    check_name,
    check_prefix,
)
from qrpay.domain.errors import SessionStoreFull, Unavailable

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


@dataclass(slots=True)
class _Entry:
    value: bytes
    expires_at_ms: int


class MemorySessionStore:
    """Implements ``SessionStore`` in this process."""

    def __init__(
        self, *, clock: Clock, prefix: str = "qrpay:", limits: SessionLimits | None = None
    ) -> None:
        self._clock = clock
        self._prefix = check_prefix(prefix)
        self._limits = limits or SessionLimits()
        self._entries: dict[str, _Entry] = {}
        # (expires_at_ms, key); may hold stale pairs for keys rewritten or deleted since.
        self._expiries: list[tuple[int, str]] = []
        self._fanout = Fanout(self._limits)
        self._closed = False

    @property
    def prefix(self) -> str:
        return self._prefix

    @property
    def limits(self) -> SessionLimits:
        return self._limits

    @property
    def key_count(self) -> int:
        """Entries held, including expired ones not swept yet."""
        return len(self._entries)

    @property
    def subscriber_count(self) -> int:
        return self._fanout.subscriber_count

    async def put(self, key: str, value: bytes, ttl_ms: int) -> None:
        name = self._name(key)
        check_entry(self._limits, value, ttl_ms)
        now_ms = await self._enter()
        self._sweep(now_ms)
        if name not in self._entries:
            self._check_room()
        self._set(name, value, now_ms + ttl_ms)

    async def put_new(self, key: str, value: bytes, ttl_ms: int) -> bool:
        name = self._name(key)
        check_entry(self._limits, value, ttl_ms)
        now_ms = await self._enter()
        self._sweep(now_ms)
        if self._live(name, now_ms) is not None:
            return False
        self._check_room()
        self._set(name, value, now_ms + ttl_ms)
        return True

    async def get(self, key: str) -> bytes | None:
        name = self._name(key)
        entry = self._live(name, await self._enter())
        return None if entry is None else entry.value

    async def take(self, key: str) -> bytes | None:
        name = self._name(key)
        entry = self._live(name, await self._enter())
        if entry is None:
            return None
        del self._entries[name]
        return entry.value

    async def delete(self, key: str) -> bool:
        name = self._name(key)
        entry = self._live(name, await self._enter())
        if entry is None:
            return False
        del self._entries[name]
        return True

    async def ttl_ms(self, key: str) -> int | None:
        name = self._name(key)
        now_ms = await self._enter()
        entry = self._live(name, now_ms)
        return None if entry is None else entry.expires_at_ms - now_ms

    async def publish(self, channel: str, message: bytes) -> None:
        check_name(self._limits, channel, "channel")
        check_message(self._limits, message)
        await self._enter()
        self._fanout.deliver(channel, message)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscription]:
        check_name(self._limits, channel, "channel")
        await self._enter()
        subscription = self._fanout.add(channel)
        try:
            yield subscription
        finally:
            self._fanout.remove(subscription)

    async def ping(self) -> None:
        await self._enter()

    async def close(self) -> None:
        self._closed = True
        self._fanout.end_all()
        self._entries.clear()
        self._expiries.clear()

    def _name(self, key: str) -> str:
        return self._prefix + check_name(self._limits, key)

    async def _enter(self) -> int:
        """Yield to other tasks, as a network store would, then read the clock."""
        await asyncio.sleep(0)
        if self._closed:
            raise Unavailable("session store closed")
        now = self._clock.now()
        assert now.tzinfo is not None, "the clock must be timezone-aware"
        return (now - _EPOCH) // _MILLISECOND

    def _live(self, name: str, now_ms: int) -> _Entry | None:
        entry = self._entries.get(name)
        if entry is None:
            return None
        if entry.expires_at_ms <= now_ms:
            del self._entries[name]
            return None
        return entry

    def _set(self, name: str, value: bytes, expires_at_ms: int) -> None:
        self._entries[name] = _Entry(value, expires_at_ms)
        heapq.heappush(self._expiries, (expires_at_ms, name))

    def _check_room(self) -> None:
        if len(self._entries) >= self._limits.keys_max:
            raise SessionStoreFull(f"more than {self._limits.keys_max} keys in this process")

    def _sweep(self, now_ms: int) -> None:
        for _ in range(self._limits.sweep_keys_max):
            if not self._expiries or self._expiries[0][0] > now_ms:
                break
            expires_at_ms, name = heapq.heappop(self._expiries)
            entry = self._entries.get(name)
            if entry is not None and entry.expires_at_ms == expires_at_ms:
                del self._entries[name]
        # Rewrites leave stale pairs behind; rebuild before they outnumber the entries.
        if len(self._expiries) > 2 * len(self._entries) + self._limits.sweep_keys_max:
            self._expiries = [(e.expires_at_ms, n) for n, e in self._entries.items()]
            heapq.heapify(self._expiries)
