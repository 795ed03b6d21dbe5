"""Token buckets in Redis, shared by every instance behind the load balancer.

One Lua script reads, refills, takes and writes a bucket, so the update is atomic however
many instances ask at once; it reads the time from Redis, so instances whose clocks
disagree still count alike. Buckets expire once they would be full again.

When Redis cannot be reached the limiter falls back to an in-process bucket for a short
pause and says so in the log: each instance then limits on its own count, which is weaker,
but a Redis outage neither stops all traffic nor lifts every limit, nor makes each request
wait out the client's timeouts.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any, Final

from redis.asyncio import Redis
from redis.exceptions import RedisError

from qrpay.adapters.rate_limit.base import BucketRule, Decision
from qrpay.adapters.rate_limit.memory import InProcessRateLimiter
from qrpay.observability.logs import log

REDIS_PAUSE_S: Final = 5.0
"""After a failure, how long to count in-process before asking Redis again."""

# Numbers go back as strings: Redis truncates Lua numbers to integers in replies.
TAKE_SCRIPT: Final = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
if now < 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1])
local updated = tonumber(state[2])
if tokens == nil or updated == nil then
  tokens = burst
  updated = now
end
tokens = math.min(burst, tokens + math.max(0, now - updated) * rate)
local allowed = 0
local retry = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  retry = (cost - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return {allowed, tostring(retry), tostring(tokens)}
"""


class RedisRateLimiter:
    def __init__(
        self,
        client: Redis,
        rule: BucketRule,
        *,
        prefix: str,
        clock_s: Callable[[], float] | None = None,
    ) -> None:
        """``clock_s`` is for tests only; by default the time is Redis's own."""
        self.rule = rule
        self._prefix = prefix
        self._clock_s = clock_s
        self._script: Any = client.register_script(TAKE_SCRIPT)
        self._fallback = InProcessRateLimiter(rule)
        self._paused_until_s = 0.0

    async def take(self, key: str, cost: int = 1) -> Decision:
        assert 1 <= cost <= self.rule.burst
        now_s = -1.0 if self._clock_s is None else self._clock_s()
        args = [self.rule.rate_per_s, self.rule.burst, cost, now_s]
        if time.monotonic() < self._paused_until_s:
            return self._fallback.take_now(key, cost)
        try:
            allowed, retry_after_s, tokens = await self._script(
                keys=[self._prefix + key], args=args
            )
        except RedisError as exc:
            # Only one request a pause pays for the client's timeouts and retries.
            self._paused_until_s = time.monotonic() + REDIS_PAUSE_S
            log.warning(
                "rate_limit.redis_unavailable", error=type(exc).__name__, pause_s=REDIS_PAUSE_S
            )
            return self._fallback.take_now(key, cost)
        return Decision(bool(allowed), float(retry_after_s), math.floor(float(tokens)))
