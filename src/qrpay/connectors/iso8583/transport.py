"""The port between the ISO 8583 connector and the wire, and the two ways a request fails.

``Connection`` implements it over TCP; unit tests pass a scripted fake. The split between
the failures is the one that matters for money: ``NotSent`` means nothing left the
gateway, so the payment may fail over at once; ``NoAnswer`` means the request may have
reached the network, so the outcome is unknown and the connector reverses it.
"""

from __future__ import annotations

from typing import Protocol

from qrpay.connectors.iso8583.messages import Message


class TransportError(Exception):
    """A request that got no usable answer."""


class NotSent(TransportError):
    """Nothing was written: no connection, or no room in the in-flight window in time."""


class NoAnswer(TransportError):
    """Written (or perhaps written), and no matching reply came in time."""


class Transport(Protocol):
    async def start(self) -> None: ...
    async def close(self) -> None: ...

    async def exchange(self, request: Message, timeout_ms: int) -> Message:
        """Send ``request`` (it carries its STAN) and return the reply with the same STAN."""
        ...

    async def echo(self, timeout_ms: int) -> Message:
        """An 0800 echo test; the 0810 that answered it."""
        ...
