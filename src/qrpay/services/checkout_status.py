"""Live checkout status: the channel a checkout's changes are announced on.

A message says only "this checkout changed" (with the new status, for logs and for a
listener in a hurry): delivery is at most once, so a listener re-reads the checkout after
each message and on a timer (see ``adapters/session_store/base.py``). Announcing happens
after the change committed; a failure to announce is logged and never fails the payment,
because the listeners' timer catches up.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Protocol

import orjson

from qrpay.domain.checkouts import CheckoutStatus
from qrpay.domain.errors import QrpayError
from qrpay.observability.logs import log


class StatusChannels(Protocol):
    """The part of the session store that live status needs."""

    async def publish(self, channel: str, message: bytes) -> None: ...
    def subscribe(self, channel: str) -> AbstractAsyncContextManager[AsyncIterator[bytes]]: ...


def checkout_channel(checkout_id: str) -> str:
    return f"checkout:{checkout_id}"


async def announce(
    channels: StatusChannels | None,
    checkout_id: str,
    status: CheckoutStatus,
    payment_id: str | None = None,
) -> None:
    """Tell this checkout's listeners, on every instance, that it changed."""
    if channels is None:
        return
    message = orjson.dumps({"status": status.value, "payment_id": payment_id})
    try:
        await channels.publish(checkout_channel(checkout_id), message)
    except QrpayError as exc:
        log.warning("checkout.announce_failed", checkout_id=checkout_id, code=exc.code)
