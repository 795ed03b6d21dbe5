"""One persistent, multiplexed TCP link to the acquirer, kept up by a supervisor task.

Many requests share the link: each waits on a future keyed by its STAN, and the reader
task hands every reply to the future with the same STAN and the expected message type.
A reply nobody waits for (a late 0110 after its request timed out and was reversed) is
logged and dropped. At most ``in_flight_max`` requests wait at once (a semaphore).

The supervisor dials, signs on (0800, code 001), then watches the link: after
``idle_echo_ms`` without traffic it sends an echo (0800, code 301); an unanswered echo,
a garbage frame or a closed stream ends the link, fails every waiting request with
``NoAnswer`` and dials again, after an exponential backoff with jitter when dialling or
signing on keeps failing. A request finding the link down after a failed dial gets
``NotSent`` at once, so the payment can fail over without waiting. Every wait is bounded
by a limit in milliseconds. Waits use ``asyncio.timeout``, never ``asyncio.wait_for``,
whose Python 3.11 form can swallow a cancellation and keep a closing task alive.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

import structlog

from qrpay.connectors.iso8583 import messages
from qrpay.connectors.iso8583.backoff import backoff_ms
from qrpay.connectors.iso8583.framing import (
    FRAME_BYTES_MAX,
    ByteReader,
    ByteWriter,
    FrameInvalid,
    StreamClosed,
    encode_frame,
    read_frame,
)
from qrpay.connectors.iso8583.mac import MacKey, MacMismatch, open_sealed, seal
from qrpay.connectors.iso8583.messages import Message, MessageInvalid
from qrpay.connectors.iso8583.spec import RESPONSE_TO, Mti, NetworkCode
from qrpay.connectors.iso8583.stan import StanAllocator
from qrpay.connectors.iso8583.transport import NoAnswer, NotSent

log = structlog.get_logger("qrpay.connectors.iso8583")

Dialer = Callable[[], Awaitable[tuple[ByteReader, ByteWriter]]]
APPROVED: Final = "00"


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    connect_timeout_ms: int = 2_000
    connect_wait_ms: int = 1_000
    """How long a request waits for a link that is being dialled (not after a failed dial)."""
    write_timeout_ms: int = 2_000
    echo_timeout_ms: int = 2_000
    idle_echo_ms: int = 30_000
    in_flight_max: int = 64
    backoff_ms_min: int = 100
    backoff_ms_max: int = 10_000
    frame_bytes_max: int = FRAME_BYTES_MAX

    def __post_init__(self) -> None:
        assert 0 < self.backoff_ms_min <= self.backoff_ms_max
        assert self.in_flight_max > 0
        assert self.idle_echo_ms > 0


def tcp_dialer(host: str, port: int) -> Dialer:
    async def dial() -> tuple[ByteReader, ByteWriter]:
        return await asyncio.open_connection(host, port)

    return dial


@dataclass(eq=False)
class _Link:
    reader: ByteReader
    writer: ByteWriter
    last_activity: float
    pending: dict[str, tuple[Mti, asyncio.Future[Message]]] = field(default_factory=dict)
    write_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    broken: asyncio.Event = field(default_factory=asyncio.Event)
    reason: str = ""

    def fail(self, reason: str) -> None:
        """End the link once: every request still waiting gets ``NoAnswer`` now."""
        if self.broken.is_set():
            return
        self.reason = reason
        self.broken.set()
        for stan, (_, future) in self.pending.items():
            if not future.done():
                future.set_exception(NoAnswer(f"connection ended ({reason}) before STAN {stan}"))


class Connection:
    """The TCP ``Transport``: one link, many requests in flight."""

    def __init__(
        self,
        dial: Dialer,
        key: MacKey,
        stans: StanAllocator,
        now: Callable[[], datetime],
        limits: ConnectionLimits | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._dial = dial
        self._key = key
        self._stans = stans
        self._now = now
        self.limits = limits or ConnectionLimits()
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not a secret
        self._window = asyncio.Semaphore(self.limits.in_flight_max)
        self._ready = asyncio.Event()
        self._link: _Link | None = None
        self._dial_failed: str | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._closing = False
        self.links_opened = 0
        self.in_flight = 0
        """Requests holding a place in the window now (read by tests and metrics)."""

    @property
    def up(self) -> bool:
        return self._ready.is_set()

    async def start(self) -> None:
        assert self._supervisor is None, "started twice"
        self._supervisor = asyncio.create_task(self._supervise(), name="iso8583-supervisor")

    async def close(self) -> None:
        self._closing = True
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor

    async def exchange(self, request: Message, timeout_ms: int) -> Message:
        assert request.mti in RESPONSE_TO, request.mti
        assert timeout_ms > 0
        frame = encode_frame(await seal(request, self._key), self.limits.frame_bytes_max)
        deadline = asyncio.get_running_loop().time() + timeout_ms / 1000
        try:
            async with asyncio.timeout_at(deadline):
                await self._window.acquire()
        except TimeoutError:
            raise NotSent(f"in-flight window of {self.limits.in_flight_max} full") from None
        self.in_flight += 1
        try:
            link = await self._ready_link(deadline)
            return await self._send(link, request, frame, deadline)
        finally:
            self.in_flight -= 1
            self._window.release()

    async def echo(self, timeout_ms: int) -> Message:
        deadline = asyncio.get_running_loop().time() + timeout_ms / 1000
        link = await self._ready_link(deadline)
        return await self._network(link, NetworkCode.ECHO, deadline)

    async def _ready_link(self, deadline: float) -> _Link:
        if not self._ready.is_set():
            if self._dial_failed is not None:
                raise NotSent(f"no connection: {self._dial_failed}")
            wait_until = asyncio.get_running_loop().time() + self.limits.connect_wait_ms / 1000
            try:
                async with asyncio.timeout_at(min(deadline, wait_until)):
                    await self._ready.wait()
            except TimeoutError:
                raise NotSent("no connection yet") from None
        link = self._link
        if link is None or link.broken.is_set():
            raise NotSent("connection lost before sending")
        return link

    async def _send(self, link: _Link, request: Message, frame: bytes, deadline: float) -> Message:
        stan = request.stan
        if stan in link.pending:
            raise NotSent(f"STAN {stan} is already waiting for an answer")
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        link.pending[stan] = (RESPONSE_TO[request.mti], future)
        try:
            await self._write(link, frame)
            try:
                async with asyncio.timeout_at(deadline):
                    return await future
            except TimeoutError:
                raise NoAnswer(f"no answer to {request.mti} STAN {stan} in time") from None
        finally:
            link.pending.pop(stan, None)

    async def _write(self, link: _Link, frame: bytes) -> None:
        try:
            async with link.write_lock:
                link.writer.write(frame)
                async with asyncio.timeout(self.limits.write_timeout_ms / 1000):
                    await link.writer.drain()
        except (OSError, TimeoutError) as exc:
            # Part of the frame may have left: the outcome is unknown, never "not sent".
            link.fail(f"write failed: {exc!r}")
            raise NoAnswer(f"write failed: {exc!r}") from exc
        link.last_activity = asyncio.get_running_loop().time()

    async def _network(self, link: _Link, code: NetworkCode, deadline: float) -> Message:
        now = self._now()
        request = messages.network_request(code, await self._stans.allocate(now), now)
        frame = encode_frame(await seal(request, self._key), self.limits.frame_bytes_max)
        reply = await self._send(link, request, frame, deadline)
        if reply.get(39) != APPROVED:
            raise NoAnswer(f"network management {code.name} answered {reply.get(39)}")
        return reply

    async def _supervise(self) -> None:
        failures = 0
        while not self._closing:
            came_up, reason = await self._run_link()
            failures = 0 if came_up else failures + 1
            delay_ms = (
                self.limits.backoff_ms_min
                if came_up
                else backoff_ms(
                    failures, self.limits.backoff_ms_min, self.limits.backoff_ms_max, self._rng
                )
            )
            log.warning("iso8583.link_down", reason=reason, retry_in_ms=delay_ms)
            await asyncio.sleep(delay_ms / 1000)

    async def _run_link(self) -> tuple[bool, str]:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.limits.connect_timeout_ms / 1000):
                reader, writer = await self._dial()
        except (OSError, TimeoutError) as exc:
            self._dial_failed = f"dial failed: {exc!r}"
            return False, self._dial_failed
        link = _Link(reader, writer, loop.time())
        self._link = link
        self.links_opened += 1
        tasks = [asyncio.create_task(self._read_loop(link))]
        # Whatever ends this link (a failed sign-on, a reset, a cancellation) closes it.
        try:
            try:
                deadline = loop.time() + self.limits.echo_timeout_ms / 1000
                await self._network(link, NetworkCode.SIGN_ON, deadline)
            except (NoAnswer, NotSent) as exc:
                self._dial_failed = f"sign-on failed: {exc}"
                link.fail(self._dial_failed)
                return False, self._dial_failed
            self._dial_failed = None
            self._ready.set()
            log.info("iso8583.link_up", link=self.links_opened)
            tasks.append(asyncio.create_task(self._keepalive(link)))
            await link.broken.wait()
            return True, link.reason
        finally:
            await self._end_link(link, tasks, link.reason or "closed")

    async def _end_link(self, link: _Link, tasks: list[asyncio.Task[None]], reason: str) -> None:
        self._ready.clear()
        self._link = None
        link.fail(reason)
        for task in tasks:
            task.cancel()
        link.writer.close()
        with contextlib.suppress(OSError, TimeoutError):
            async with asyncio.timeout(self.limits.write_timeout_ms / 1000):
                await link.writer.wait_closed()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _read_loop(self, link: _Link) -> None:
        while True:
            try:
                payload = await read_frame(link.reader, self.limits.frame_bytes_max)
            except StreamClosed:
                link.fail("peer closed the connection")
                return
            except (FrameInvalid, OSError) as exc:
                link.fail(f"read failed: {exc}")
                return
            link.last_activity = asyncio.get_running_loop().time()
            try:
                message = await open_sealed(payload, self._key)
            except MessageInvalid as exc:
                # Out of step with the peer: nothing after this frame can be trusted.
                link.fail(f"garbage frame: {exc}")
                return
            except MacMismatch as exc:
                log.warning("iso8583.mac_mismatch", mti=exc.message.mti, stan=exc.message.get(11))
                continue
            await self._deliver(link, message)

    async def _deliver(self, link: _Link, message: Message) -> None:
        if message.mti is Mti.NETWORK_REQUEST:
            # The acquirer checks the link too: answer its echo.
            reply = messages.response(message, APPROVED)
            frame = encode_frame(await seal(reply, self._key), self.limits.frame_bytes_max)
            with contextlib.suppress(NoAnswer):
                await self._write(link, frame)
            return
        stan = message.get(11) or ""
        waiting = link.pending.get(stan)
        if waiting is None or waiting[1].done():
            log.warning("iso8583.unmatched_reply_ignored", mti=message.mti, stan=stan)
            return
        expected, future = waiting
        if message.mti is not expected:
            log.warning("iso8583.unexpected_reply", mti=message.mti, stan=stan, expected=expected)
            return
        future.set_result(message)

    async def _keepalive(self, link: _Link) -> None:
        loop = asyncio.get_running_loop()
        idle_s = self.limits.idle_echo_ms / 1000
        while not link.broken.is_set():
            wait_s = link.last_activity + idle_s - loop.time()
            if wait_s > 0:
                await asyncio.sleep(wait_s)
                continue
            try:
                deadline = loop.time() + self.limits.echo_timeout_ms / 1000
                await self._network(link, NetworkCode.ECHO, deadline)
            except (NoAnswer, NotSent) as exc:
                link.fail(f"echo unanswered: {exc}")
                return
