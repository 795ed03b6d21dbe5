"""One behaviour suite for the in-process and the Redis token buckets, and what only the
shared one must prove: atomic updates under concurrency, expiry, and a fallback."""

from __future__ import annotations

from collections.abc import Callable

import anyio
import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from qrpay.adapters.rate_limit.base import BucketRule, RateLimiter
from qrpay.adapters.rate_limit.memory import InProcessRateLimiter
from qrpay.adapters.rate_limit.redis import RedisRateLimiter
from tests.integration.rate_limit.conftest import RedisSpace


class Clock:
    def __init__(self) -> None:
        self.now_s = 1_000_000.0

    def __call__(self) -> float:
        return self.now_s


MakeLimiter = Callable[[BucketRule, Clock | None], RateLimiter]


@pytest.fixture(params=["memory", "redis"])
def make_limiter(request: pytest.FixtureRequest) -> MakeLimiter:
    if request.param == "memory":
        return lambda rule, clock: InProcessRateLimiter(rule, clock_s=clock or Clock())
    space: RedisSpace = request.getfixturevalue("redis_space")
    return lambda rule, clock: RedisRateLimiter(
        space.client, rule, prefix=space.prefix, clock_s=clock
    )


async def test_the_burst_passes_then_the_wait_is_told(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter(BucketRule(rate_per_s=4.0, burst=2), Clock())

    decisions = [await limiter.take("k") for _ in range(3)]

    assert [d.allowed for d in decisions] == [True, True, False]
    assert [d.remaining for d in decisions] == [1, 0, 0]
    assert decisions[2].retry_after_s == pytest.approx(0.25)


async def test_tokens_return_with_time_up_to_the_burst(make_limiter: MakeLimiter) -> None:
    clock = Clock()
    limiter = make_limiter(BucketRule(rate_per_s=4.0, burst=2), clock)
    for _ in range(2):
        await limiter.take("k")

    clock.now_s += 0.25
    assert (await limiter.take("k")).allowed
    assert not (await limiter.take("k")).allowed
    clock.now_s += 60
    assert (await limiter.take("k")).remaining == 1


async def test_keys_are_counted_apart(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter(BucketRule(rate_per_s=1.0, burst=1), Clock())

    assert (await limiter.take("a")).allowed
    assert (await limiter.take("b")).allowed
    assert not (await limiter.take("a")).allowed


async def test_redis_buckets_are_updated_atomically_under_concurrency(
    redis_space: RedisSpace,
) -> None:
    # given 10 tokens and no refill to speak of, on Redis's own clock
    limiter = RedisRateLimiter(
        redis_space.client, BucketRule(rate_per_s=0.001, burst=10), prefix=redis_space.prefix
    )
    allowed: list[bool] = []

    async def one() -> None:
        allowed.append((await limiter.take("k")).allowed)

    # when 50 requests race for them
    async with anyio.create_task_group() as group:
        for _ in range(50):
            group.start_soon(one)

    # then exactly 10 got through: no read-decide-write race let an 11th in
    assert allowed.count(True) == 10


async def test_two_instances_share_one_redis_bucket(redis_space: RedisSpace) -> None:
    rule = BucketRule(rate_per_s=0.001, burst=3)
    first = RedisRateLimiter(redis_space.client, rule, prefix=redis_space.prefix)
    second = RedisRateLimiter(redis_space.client, rule, prefix=redis_space.prefix)

    await first.take("k", cost=2)

    assert (await second.take("k")).remaining == 0
    assert not (await second.take("k")).allowed


async def test_a_redis_bucket_expires_once_it_would_be_full(redis_space: RedisSpace) -> None:
    limiter = RedisRateLimiter(
        redis_space.client, BucketRule(rate_per_s=1.0, burst=5), prefix=redis_space.prefix
    )

    await limiter.take("k", cost=2)

    ttl_ms = await redis_space.client.pttl(redis_space.prefix + "k")
    assert 2000 < ttl_ms <= 3000


async def test_without_redis_the_limiter_counts_in_process_for_a_pause() -> None:
    no_retry = Retry(NoBackoff(), retries=0)
    client = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5, retry=no_retry)
    limiter = RedisRateLimiter(client, BucketRule(rate_per_s=0.001, burst=1), prefix="x:")

    try:
        with anyio.fail_after(2):
            first = await limiter.take("k")
        with anyio.fail_after(0.1):  # paused: Redis is not asked again
            second = await limiter.take("k")
    finally:
        await client.aclose()

    assert first.allowed
    assert not second.allowed
