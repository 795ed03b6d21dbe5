"""The in-process token bucket, on a clock the test moves."""

from __future__ import annotations

import pytest

from qrpay.adapters.rate_limit.base import BucketRule
from qrpay.adapters.rate_limit.memory import InProcessRateLimiter


class Clock:
    def __init__(self) -> None:
        self.now_s = 1000.0

    def __call__(self) -> float:
        return self.now_s


def test_a_full_bucket_lets_the_burst_through_then_refuses_with_the_wait() -> None:
    clock = Clock()
    limiter = InProcessRateLimiter(BucketRule(rate_per_s=2.0, burst=3), clock_s=clock)

    decisions = [limiter.take_now("a") for _ in range(4)]

    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert decisions[-1].retry_after_s == pytest.approx(0.5)


def test_tokens_come_back_at_the_rate_and_never_above_the_burst() -> None:
    clock = Clock()
    limiter = InProcessRateLimiter(BucketRule(rate_per_s=2.0, burst=3), clock_s=clock)
    for _ in range(3):
        limiter.take_now("a")

    clock.now_s += 0.5
    assert limiter.take_now("a").allowed
    assert not limiter.take_now("a").allowed
    clock.now_s += 3600
    assert limiter.take_now("a").remaining == 2


def test_a_clock_stepping_back_refills_nothing() -> None:
    clock = Clock()
    limiter = InProcessRateLimiter(BucketRule(rate_per_s=1.0, burst=1), clock_s=clock)
    limiter.take_now("a")

    clock.now_s -= 100

    assert not limiter.take_now("a").allowed


def test_keys_have_buckets_of_their_own() -> None:
    limiter = InProcessRateLimiter(BucketRule(rate_per_s=1.0, burst=1), clock_s=Clock())

    assert limiter.take_now("a").allowed
    assert limiter.take_now("b").allowed
    assert not limiter.take_now("a").allowed


def test_a_cost_takes_that_many_tokens() -> None:
    limiter = InProcessRateLimiter(BucketRule(rate_per_s=1.0, burst=5), clock_s=Clock())

    assert limiter.take_now("a", cost=4).remaining == 1
    decision = limiter.take_now("a", cost=4)
    assert not decision.allowed
    assert decision.retry_after_s == pytest.approx(3.0)


def test_the_oldest_buckets_are_dropped_past_the_key_limit() -> None:
    limiter = InProcessRateLimiter(BucketRule(1.0, 1), clock_s=Clock(), keys_max=2)
    for key in ("a", "b", "c"):
        limiter.take_now(key)

    # "a" was dropped and comes back full; "c" is still counted
    assert limiter.take_now("a").allowed
    assert not limiter.take_now("c").allowed
