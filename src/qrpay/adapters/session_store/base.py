"""The session store port: short-lived keys with TTLs, and live channels.

What it holds: checkout sessions, one-time tokens (a wallet issues a 60 s token; the POS
redeems it once with ``take``), locks and claims (``put_new``), short caches. Nothing in it
is the record of a payment: the ledger database is. Every key expires.

Channels carry live status (checkout page over server-sent events). Delivery is at most
once: a message published while a listener is not subscribed, or while the backend
reconnects, is lost. A listener therefore reads the current state after subscribing and
treats each message as "something changed", never as the only copy of a fact.

    async with store.subscribe(f"checkout:{checkout_id}") as messages:
        send(current_status())
        async for message in messages:  # ends when the store closes
            send(message)
    # leaving the block, also by cancellation when the client disconnects, unsubscribes

Keys and channels are namespaced by the store's prefix. Every backend raises
``qrpay.domain.errors.Unavailable`` when its backend cannot be reached, and the
``Session*`` errors of ``domain/errors.py`` when a call breaks ``SessionLimits``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from qrpay.adapters.session_store.limits import SessionLimits


class Subscription(Protocol):
    """Messages of one channel for one listener, oldest first.

    Iteration ends when the store closes, and raises ``Unavailable`` when the backend was
    lost for good (after the messages already queued). ``dropped`` counts the messages
    this listener lost to the ``subscriber_queue_max`` drop-oldest policy.
    """

    @property
    def channel(self) -> str: ...

    @property
    def dropped(self) -> int: ...

    # Spelled out: Python 3.11 does not let a Protocol inherit AsyncIterator.
    def __aiter__(self) -> AsyncIterator[bytes]: ...

    async def __anext__(self) -> bytes: ...


class SessionStore(Protocol):
    @property
    def prefix(self) -> str: ...

    @property
    def limits(self) -> SessionLimits: ...

    @property
    def subscriber_count(self) -> int:
        """Subscriptions open on this instance, all channels together (a gauge)."""
        ...

    async def put(self, key: str, value: bytes, ttl_ms: int) -> None:
        """Set the value and its TTL, replacing any value the key had."""
        ...

    async def put_new(self, key: str, value: bytes, ttl_ms: int) -> bool:
        """Set the value only if the key is absent; False (and nothing changed) otherwise."""
        ...

    async def get(self, key: str) -> bytes | None: ...

    async def take(self, key: str) -> bytes | None:
        """Get and delete in one atomic step: of concurrent takers, exactly one gets it."""
        ...

    async def delete(self, key: str) -> bool:
        """True if the key existed."""
        ...

    async def ttl_ms(self, key: str) -> int | None:
        """Milliseconds left before the key expires; None if it does not exist."""
        ...

    async def publish(self, channel: str, message: bytes) -> None:
        """Send to every current subscriber of the channel, on every instance."""
        ...

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[Subscription]:
        """Subscribe on enter (a publish after ``__aenter__`` returns is delivered);
        unsubscribe on exit."""
        ...

    async def ping(self) -> None:
        """Readiness: return if the backend answers, raise ``Unavailable`` otherwise."""
        ...

    async def close(self) -> None:
        """End every subscription and release connections. Idempotent."""
        ...
