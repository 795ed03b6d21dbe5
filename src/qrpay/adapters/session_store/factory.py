"""Pick the session store from configuration: Redis when a URL is set, in-process otherwise.

``bootstrap`` reads ``QRPAY_REDIS_URL`` from the environment and passes it here; nothing
else chooses a backend.
"""

from __future__ import annotations

from typing import Final

from qrpay.adapters.clock import Clock
from qrpay.adapters.session_store.base import SessionStore
from qrpay.adapters.session_store.limits import SessionLimits
from qrpay.adapters.session_store.memory import MemorySessionStore

REDIS_URL_ENV: Final = "QRPAY_REDIS_URL"
_REDIS_SCHEMES: Final = ("redis://", "rediss://", "unix://")


def session_store_from_url(
    url: str | None,
    *,
    prefix: str = "qrpay:",
    clock: Clock,
    limits: SessionLimits | None = None,
) -> SessionStore:
    """``clock`` drives the in-process store's TTLs; Redis keeps time itself."""
    if not url:
        return MemorySessionStore(clock=clock, prefix=prefix, limits=limits)
    if not url.startswith(_REDIS_SCHEMES):
        # A typo here would silently fall back to an unshared store in production.
        raise ValueError(f"{REDIS_URL_ENV} must start with one of {', '.join(_REDIS_SCHEMES)}")
    from qrpay.adapters.session_store.redis import RedisSessionStore

    return RedisSessionStore.from_url(url, prefix=prefix, limits=limits)
