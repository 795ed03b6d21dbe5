"""ISO 8583 fakes without sockets: a scripted transport, and an in-memory acquirer.

``ScriptedTransport`` stands in for the whole ``Connection`` (message in, message or
exception out). ``ScriptedAcquirer`` sits under a real ``Connection`` at the byte-stream
level: its ``dial`` hands out an in-memory stream pair, it reads the client's frames,
checks their MACs, and answers as its script says, at once or when the test releases.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from qrpay.connectors.iso8583 import messages
from qrpay.connectors.iso8583.framing import ByteReader, ByteWriter, encode_frame
from qrpay.connectors.iso8583.mac import SoftwareMacKey, open_sealed, seal
from qrpay.connectors.iso8583.messages import Message
from qrpay.connectors.iso8583.spec import Mti, NetworkCode

KEY = SoftwareMacKey(bytes(range(32)))
_AT = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
Answer = Message | Exception
Script = Callable[[Message], Answer]


def approve(request: Message) -> Answer:
    return messages.response(request, "00", _auth_code(request))


def _auth_code(request: Message) -> dict[int, str]:
    if request.mti in (Mti.AUTHORIZATION_REQUEST, Mti.FINANCIAL_REQUEST):
        return {38: "A00001"}
    return {}


class ScriptedTransport:
    """Answers each request with ``script(request)``: a reply, or an exception to raise."""

    def __init__(self, script: Script = approve) -> None:
        self.script = script
        self.sent: list[Message] = []
        self.started = False

    async def start(self) -> None:
        self.started = True

    async def close(self) -> None:
        self.started = False

    async def exchange(self, request: Message, timeout_ms: int) -> Message:
        assert timeout_ms > 0
        self.sent.append(request)
        answer = self.script(request)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def echo(self, timeout_ms: int) -> Message:
        request = messages.network_request(NetworkCode.ECHO, "000999", _AT)
        return await self.exchange(request, timeout_ms)


@dataclass
class Held:
    request: Message
    peer: _Peer


@dataclass
class _Peer:
    """One dialled connection: the client's reader, fed by the acquirer."""

    client_reader: asyncio.StreamReader
    buffer: bytearray = field(default_factory=bytearray)
    closed: bool = False


class ScriptedAcquirer:
    """Network messages are always approved; financial ones follow ``mode``.

    ``mode`` is ``"approve"``, ``"hold"`` (wait for ``release``), ``"drop"`` or
    ``"garbage"`` (answer with bytes that are no message).
    """

    def __init__(self, mode: str = "approve") -> None:
        self.mode = mode
        self.received: list[Message] = []
        self.held: list[Held] = []
        self.dials = 0
        self.refuse = False
        self._tasks: set[asyncio.Task[None]] = set()

    async def dial(self) -> tuple[ByteReader, ByteWriter]:
        self.dials += 1
        if self.refuse:
            raise ConnectionRefusedError("scripted refusal")
        peer = _Peer(asyncio.StreamReader())
        return peer.client_reader, _PeerWriter(self, peer)

    def financial(self) -> list[Message]:
        return [m for m in self.received if m.mti is not Mti.NETWORK_REQUEST]

    async def release(self, held: Held, code: str = "00") -> None:
        await self._send(held.peer, messages.response(held.request, code))

    def _on_frame(self, peer: _Peer, payload: bytes) -> None:
        task = asyncio.create_task(self._handle(peer, payload))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, peer: _Peer, payload: bytes) -> None:
        request = await open_sealed(payload, KEY)
        self.received.append(request)
        if request.mti is Mti.NETWORK_REQUEST or self.mode == "approve":
            await self._send(peer, messages.response(request, "00", _auth_code(request)))
        elif self.mode == "hold":
            self.held.append(Held(request, peer))
        elif self.mode == "garbage":
            peer.client_reader.feed_data(encode_frame(b"GARBAGE GARBAGE"))

    async def _send(self, peer: _Peer, reply: Message) -> None:
        if not peer.closed:
            peer.client_reader.feed_data(encode_frame(await seal(reply, KEY)))


class _PeerWriter:
    def __init__(self, acquirer: ScriptedAcquirer, peer: _Peer) -> None:
        self._acquirer = acquirer
        self._peer = peer

    def write(self, data: bytes) -> None:
        assert not self._peer.closed, "write after close"
        buffer = self._peer.buffer
        buffer.extend(data)
        while len(buffer) >= 2 and len(buffer) >= 2 + int.from_bytes(buffer[:2], "big"):
            length = int.from_bytes(buffer[:2], "big")
            payload = bytes(buffer[2 : 2 + length])
            del buffer[: 2 + length]
            self._acquirer._on_frame(self._peer, payload)

    async def drain(self) -> None:
        await asyncio.sleep(0)

    def close(self) -> None:
        if not self._peer.closed:
            self._peer.closed = True
            self._peer.client_reader.feed_eof()

    async def wait_closed(self) -> None:
        return None
