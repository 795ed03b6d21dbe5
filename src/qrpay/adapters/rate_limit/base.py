"""The rate limiter port and the token bucket it counts with.

A bucket holds up to ``burst`` tokens and gains ``rate_per_s`` a second; a request takes
``cost`` tokens or is refused with the time until enough have come back. A full bucket
lets a burst through at once; a steady caller gets the rate, never more.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    retry_after_s: float
    """0 when allowed; otherwise how long until ``cost`` tokens are back."""
    remaining: int
    """Whole tokens left after this request."""


@dataclass(frozen=True, slots=True)
class BucketRule:
    rate_per_s: float
    burst: int

    def __post_init__(self) -> None:
        assert self.rate_per_s > 0, "a rate of 0 would refuse forever once the burst is spent"
        assert self.burst >= 1


class RateLimiter(Protocol):
    rule: BucketRule

    async def take(self, key: str, cost: int = 1) -> Decision: ...


@dataclass(frozen=True, slots=True)
class Bucket:
    tokens: float
    updated_s: float


def take_from(
    bucket: Bucket | None, rule: BucketRule, now_s: float, cost: int
) -> tuple[Bucket, Decision]:
    """Refill for the time elapsed, then take ``cost`` tokens if they are there."""
    assert 1 <= cost <= rule.burst, "a cost above the burst could never be paid"
    if bucket is None:
        bucket = Bucket(float(rule.burst), now_s)
    # A clock that stepped back refills nothing rather than draining the bucket.
    elapsed_s = max(0.0, now_s - bucket.updated_s)
    tokens = min(float(rule.burst), bucket.tokens + elapsed_s * rule.rate_per_s)
    if tokens >= cost:
        tokens -= cost
        return Bucket(tokens, now_s), Decision(True, 0.0, math.floor(tokens))
    retry_after_s = (cost - tokens) / rule.rate_per_s
    return Bucket(tokens, now_s), Decision(False, retry_after_s, math.floor(tokens))
