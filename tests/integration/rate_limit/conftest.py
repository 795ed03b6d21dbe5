"""A Redis client on a key prefix of this test's own, removed afterwards.

The server is the one named by ``QRPAY_TEST_REDIS_URL`` (default: the local one) and may
be shared: nothing here touches a key outside the prefix. Without a server the Redis tests
are skipped, except in CI (``CI=true``), where that is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

REDIS_URL = os.environ.get("QRPAY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
TIMEOUT_S = 2.0


@dataclass(frozen=True)
class RedisSpace:
    client: Redis
    prefix: str


@pytest.fixture
async def redis_space() -> AsyncIterator[RedisSpace]:
    client = Redis.from_url(REDIS_URL, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S)
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        await client.aclose()
        reason = f"no Redis at {REDIS_URL} ({type(exc).__name__})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must run a Redis server")
        pytest.skip(f"{reason}: start one or set QRPAY_TEST_REDIS_URL")
    prefix = f"qrpay-test:{uuid.uuid4().hex}:"
    yield RedisSpace(client, prefix)
    keys = [key async for key in client.scan_iter(match=prefix + "*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()
