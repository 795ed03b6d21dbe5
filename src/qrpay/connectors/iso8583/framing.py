"""Length-prefixed frames on a byte stream: a 2-byte big-endian length, then the payload.

The length counts the payload only, not the prefix. No business logic lives here: a
frame is bytes. A zero length, a length above ``frame_bytes_max`` or a stream that ends
inside a frame is a ``FrameInvalid``; a stream that ends between frames is ``StreamClosed``.
After ``FrameInvalid`` the stream is out of step and the only safe move is to close it.
"""

from __future__ import annotations

import asyncio
from typing import Final, Protocol

PREFIX_BYTES: Final = 2
FRAME_BYTES_MAX: Final = 4096
"""Our largest message is under 400 bytes; anything near 4 KiB is noise or an attack."""
FRAME_BYTES_LIMIT: Final = 0xFFFF
"""What two bytes of length can say."""


class FramingError(Exception):
    """The stream cannot give (or take) another frame."""


class StreamClosed(FramingError):
    """The peer closed the stream at a frame boundary."""


class FrameInvalid(FramingError):
    """A length the reader refuses, or a stream cut inside a frame."""


class ByteReader(Protocol):
    async def readexactly(self, n: int) -> bytes: ...


class ByteWriter(Protocol):
    def write(self, data: bytes) -> None: ...
    async def drain(self) -> None: ...
    def close(self) -> None: ...
    async def wait_closed(self) -> None: ...


def encode_frame(payload: bytes, frame_bytes_max: int = FRAME_BYTES_MAX) -> bytes:
    assert 0 < frame_bytes_max <= FRAME_BYTES_LIMIT
    if not 0 < len(payload) <= frame_bytes_max:
        raise FrameInvalid(f"payload of {len(payload)} bytes; 1 to {frame_bytes_max} allowed")
    return len(payload).to_bytes(PREFIX_BYTES, "big") + payload


async def read_frame(reader: ByteReader, frame_bytes_max: int = FRAME_BYTES_MAX) -> bytes:
    """The next frame's payload. The caller puts the timeout around it."""
    try:
        prefix = await reader.readexactly(PREFIX_BYTES)
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise FrameInvalid("stream ended inside a length prefix") from exc
        raise StreamClosed("peer closed the stream") from exc
    length = int.from_bytes(prefix, "big")
    if not 0 < length <= frame_bytes_max:
        raise FrameInvalid(f"frame length {length}; 1 to {frame_bytes_max} allowed")
    try:
        return await reader.readexactly(length)
    except asyncio.IncompleteReadError as exc:
        raise FrameInvalid(f"stream ended after {len(exc.partial)} of {length} bytes") from exc


async def write_frame(
    writer: ByteWriter, payload: bytes, frame_bytes_max: int = FRAME_BYTES_MAX
) -> None:
    """Write one frame and wait for the buffer to drain. The caller owns the timeout."""
    writer.write(encode_frame(payload, frame_bytes_max))
    await writer.drain()
