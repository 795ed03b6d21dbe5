"""Server-sent events of one checkout's status, for the hosted checkout page.

The stream sends ``retry:``, then the current status at once, then each change, and a
comment line as a heartbeat when nothing was sent for ``live_heartbeat_s`` (proxies close
idle connections). It ends when the checkout is paid, expired or canceled, or after
``live_stream_s_max``; the browser's ``EventSource`` reconnects after that bound and gets
the current status again, so a bound costs nothing but a reconnect.

Why both a channel and a timer: a payment announces the change on the session store's
channel (Redis fans it out to every instance), so the page flips at once; but delivery is
at most once and expiry is a fact of time that nobody announces, so the stream also
re-reads the checkout every ``live_poll_s``. Without a channel (or when it fails), the
timer alone keeps the page right, one poll late.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass

import orjson

from qrpay.api.state import Limits
from qrpay.domain.checkouts import CheckoutStatus
from qrpay.domain.errors import QrpayError
from qrpay.services.checkout_status import StatusChannels, checkout_channel

FINAL = frozenset({CheckoutStatus.PAID, CheckoutStatus.EXPIRED, CheckoutStatus.CANCELED})
RETRY_MS = 3000
MEDIA_TYPE = "text/event-stream"


@dataclass(frozen=True, slots=True)
class Snapshot:
    status: CheckoutStatus
    payment_id: str | None

    def event(self) -> bytes:
        data = orjson.dumps({"status": self.status.value, "payment_id": self.payment_id})
        return b"event: status\ndata: " + data + b"\n\n"


async def checkout_events(
    checkout_id: str,
    read: Callable[[], Awaitable[Snapshot]],
    channels: StatusChannels | None,
    limits: Limits,
) -> AsyncIterator[bytes]:
    yield f"retry: {RETRY_MS}\n\n".encode()
    async with AsyncExitStack() as stack:
        messages = await _subscribe(stack, channels, checkout_id)
        started = last_sent = time.monotonic()
        last: Snapshot | None = None
        while True:
            snapshot = await read()
            if snapshot != last:
                yield snapshot.event()
                last, last_sent = snapshot, time.monotonic()
            if snapshot.status in FINAL:
                return
            now = time.monotonic()
            if now - started >= limits.live_stream_s_max:
                return
            if now - last_sent >= limits.live_heartbeat_s:
                yield b": heartbeat\n\n"
                last_sent = now
            messages = await _wait(messages, limits.live_poll_s)


async def _subscribe(
    stack: AsyncExitStack, channels: StatusChannels | None, checkout_id: str
) -> AsyncIterator[bytes] | None:
    """Subscribe before the first read, so no change falls between the two."""
    if channels is None:
        return None
    try:
        return await stack.enter_async_context(channels.subscribe(checkout_channel(checkout_id)))
    except QrpayError:
        return None  # the timer alone keeps the page right


async def _wait(
    messages: AsyncIterator[bytes] | None, timeout_s: float
) -> AsyncIterator[bytes] | None:
    """Until a message arrives or the poll is due; the subscription, or None once it ended."""
    if messages is None:
        await asyncio.sleep(timeout_s)
        return None
    try:
        await asyncio.wait_for(anext(messages), timeout_s)
    except TimeoutError:
        pass
    except (StopAsyncIteration, QrpayError):
        return None
    return messages
