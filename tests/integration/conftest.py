"""Fixtures for integration tests: session stores on every backend.

``session_store`` runs a test once per backend, ``[memory]`` and ``[redis]``::
    async def test_token_is_redeemed_once(session_store: SessionStore) -> None:
        await session_store.put("cpm:tok", b"wallet-1", ttl_ms=60_000)
        ...

- ``[redis]`` uses the server named by ``QRPAY_TEST_REDIS_URL`` (default
  ``redis://127.0.0.1:6379/0``, which other processes may share). Each test gets its own key
  prefix, ``qrpay-test:<random>:``, and its keys are deleted afterwards. When Redis does
  not answer, ``[redis]`` runs are skipped with the reason, except under ``CI=true``, where
  they fail: CI must test what production runs.
- ``session_backend`` gives more: ``make(limits=...)`` builds another store on the same
  backend and prefix (on Redis, a second "gateway instance"; in memory, an unrelated
  store), ``advance(ms)`` moves time forward for every key of the test (the fake clock in
  memory; on Redis, each key's TTL is shortened with PEXPIRE), ``raw`` is a plain Redis
  client for checks (None in memory). Stores it made are closed after the test.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
import redis
from redis.asyncio import Redis

from qrpay.adapters.session_store.base import SessionStore
from qrpay.adapters.session_store.limits import SessionLimits
from qrpay.adapters.session_store.memory import MemorySessionStore
from qrpay.adapters.session_store.redis import RedisSessionStore, RedisSettings
from tests.fakes.clock import FakeClock

REDIS_URL_DEFAULT = "redis://127.0.0.1:6379/0"
SCAN_BATCH_KEYS = 500


@dataclass
class SessionBackend:
    name: str
    prefix: str
    clock: FakeClock
    redis_url: str | None = None
    raw: Redis | None = None
    stores: list[SessionStore] = field(default_factory=list)

    def make(
        self,
        limits: SessionLimits | None = None,
        settings: RedisSettings | None = None,
        client_name: str = "qrpay-test",
        url: str | None = None,
    ) -> SessionStore:
        """Another store on this backend and prefix; ``url`` reaches Redis another way."""
        store: SessionStore
        if self.redis_url is None:
            store = MemorySessionStore(clock=self.clock, prefix=self.prefix, limits=limits)
        else:
            store = RedisSessionStore.from_url(
                url or self.redis_url,
                prefix=self.prefix,
                limits=limits,
                settings=settings,
                client_name=client_name,
            )
        self.stores.append(store)
        return store

    async def advance(self, ms: int) -> None:
        assert ms >= 0
        self.clock.advance(seconds=ms / 1000)
        if self.raw is None:
            return
        for key in await self.keys():
            left_ms = await self.raw.pttl(key)
            if left_ms > ms:
                await self.raw.pexpire(key, left_ms - ms)
            else:
                await self.raw.delete(key)

    async def keys(self) -> list[bytes]:
        assert self.raw is not None
        return [k async for k in self.raw.scan_iter(match=f"{self.prefix}*", count=SCAN_BATCH_KEYS)]

    async def close(self) -> None:
        for store in self.stores:
            await store.close()
        if self.raw is not None:
            keys = await self.keys()
            if keys:
                await self.raw.delete(*keys)
            await self.raw.aclose()


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The test Redis, checked once: skip (or fail under CI=true) when it does not answer."""
    url = os.environ.get("QRPAY_TEST_REDIS_URL", REDIS_URL_DEFAULT)
    try:
        with redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1) as client:
            client.ping()
    except redis.RedisError as exc:
        reason = f"Redis not reachable at {url} ({exc}); set QRPAY_TEST_REDIS_URL"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}. CI=true requires Redis.")
        pytest.skip(reason)
    return url


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def session_backend(
    request: pytest.FixtureRequest, fake_clock: FakeClock
) -> AsyncIterator[SessionBackend]:
    prefix = f"qrpay-test:{secrets.token_hex(6)}:"
    backend = SessionBackend(name=request.param, prefix=prefix, clock=fake_clock)
    if request.param == "redis":
        backend.redis_url = request.getfixturevalue("redis_url")
        backend.raw = Redis.from_url(backend.redis_url)
    try:
        yield backend
    finally:
        await backend.close()


@pytest.fixture
def session_store(session_backend: SessionBackend) -> SessionStore:
    return session_backend.make()
