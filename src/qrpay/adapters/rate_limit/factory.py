"""The two limiters the HTTP middleware needs, from settings: shared in Redis when a client
is given (production), in this process otherwise (embedded)."""

from __future__ import annotations

from redis.asyncio import Redis

from qrpay.adapters.rate_limit.base import BucketRule, RateLimiter
from qrpay.adapters.rate_limit.memory import InProcessRateLimiter
from qrpay.adapters.rate_limit.redis import RedisRateLimiter
from qrpay.config import Settings


def limiters_from_settings(
    settings: Settings, redis: Redis | None = None
) -> tuple[RateLimiter, RateLimiter]:
    """``(per_address, per_credential)``. The Redis client needs a socket timeout set, so a
    stalled Redis delays a request by that much at most before the fallback answers."""
    by_address = BucketRule(settings.rate_limit_per_address_per_s, settings.rate_limit_burst)
    by_credential = BucketRule(settings.rate_limit_per_credential_per_s, settings.rate_limit_burst)
    if redis is None:
        return InProcessRateLimiter(by_address), InProcessRateLimiter(by_credential)
    prefix = settings.session_prefix + "rate:"
    return (
        RedisRateLimiter(redis, by_address, prefix=prefix + "addr:"),
        RedisRateLimiter(redis, by_credential, prefix=prefix + "cred:"),
    )
