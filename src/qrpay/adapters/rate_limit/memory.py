"""Token buckets in this process: the embedded default, and each instance's own count.

Buckets are kept least-recently-used first and the oldest are dropped past ``keys_max``,
so a flood of distinct addresses or made-up credentials cannot grow memory without bound;
a dropped bucket comes back full, which errs on the side of letting a request through.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Final

from qrpay.adapters.rate_limit.base import Bucket, BucketRule, Decision, take_from

KEYS_MAX: Final = 100_000


class InProcessRateLimiter:
    def __init__(
        self,
        rule: BucketRule,
        *,
        clock_s: Callable[[], float] = time.monotonic,
        keys_max: int = KEYS_MAX,
    ) -> None:
        self.rule = rule
        self._clock_s = clock_s
        self._keys_max = keys_max
        self._buckets: OrderedDict[str, Bucket] = OrderedDict()

    async def take(self, key: str, cost: int = 1) -> Decision:
        return self.take_now(key, cost)

    def take_now(self, key: str, cost: int = 1) -> Decision:
        """The same, synchronously: nothing here waits, so no other task can interleave."""
        bucket, decision = take_from(self._buckets.get(key), self.rule, self._clock_s(), cost)
        self._buckets[key] = bucket
        self._buckets.move_to_end(key)
        while len(self._buckets) > self._keys_max:
            self._buckets.popitem(last=False)
        return decision
