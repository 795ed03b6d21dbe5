"""Frames: a 2-byte big-endian length, and every way a stream can go wrong."""

from __future__ import annotations

import asyncio

import pytest

from qrpay.connectors.iso8583.framing import (
    FrameInvalid,
    StreamClosed,
    encode_frame,
    read_frame,
    write_frame,
)


def _reader(data: bytes, *, eof: bool = True) -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    if eof:
        reader.feed_eof()
    return reader


def test_the_prefix_is_the_payload_length_big_endian() -> None:
    assert encode_frame(b"x" * 258) == b"\x01\x02" + b"x" * 258


def test_an_empty_or_oversize_payload_cannot_be_framed() -> None:
    with pytest.raises(FrameInvalid):
        encode_frame(b"")
    with pytest.raises(FrameInvalid):
        encode_frame(b"x" * 11, frame_bytes_max=10)


async def test_frames_are_read_back_one_at_a_time() -> None:
    reader = _reader(encode_frame(b"first") + encode_frame(b"second"))

    assert await read_frame(reader) == b"first"
    assert await read_frame(reader) == b"second"
    with pytest.raises(StreamClosed):
        await read_frame(reader)


async def test_a_length_above_the_limit_is_refused_before_reading_the_body() -> None:
    reader = _reader(b"\x10\x00" + b"x" * 10, eof=False)

    with pytest.raises(FrameInvalid, match="4096"):
        await read_frame(reader, frame_bytes_max=4095)


async def test_a_zero_length_is_refused() -> None:
    with pytest.raises(FrameInvalid, match="length 0"):
        await read_frame(_reader(b"\x00\x00"))


async def test_a_stream_cut_inside_the_body_is_a_truncated_frame() -> None:
    with pytest.raises(FrameInvalid, match="3 of 10"):
        await read_frame(_reader(b"\x00\x0aabc"))


async def test_a_stream_cut_inside_the_prefix_is_a_truncated_frame() -> None:
    with pytest.raises(FrameInvalid, match="prefix"):
        await read_frame(_reader(b"\x00"))


async def test_a_frame_split_across_reads_is_reassembled() -> None:
    reader = asyncio.StreamReader()
    reading = asyncio.create_task(read_frame(reader))
    for chunk in (b"\x00", b"\x05he", b"llo"):
        reader.feed_data(chunk)
        await asyncio.sleep(0)

    assert await reading == b"hello"


class _Writer:
    def __init__(self) -> None:
        self.data = b""

    def write(self, data: bytes) -> None:
        self.data += data

    async def drain(self) -> None:
        return None

    def close(self) -> None:
        return None

    async def wait_closed(self) -> None:
        return None


async def test_write_frame_writes_prefix_and_payload() -> None:
    writer = _Writer()

    await write_frame(writer, b"abc")

    assert writer.data == b"\x00\x03abc"
