"""The card acquirer simulator: an asyncio TCP server speaking qrpay's ISO 8583 variant.

It checks the MAC of every message (a wrong one is answered with 63, security violation),
signs on and echoes (0800), decides authorizations and financial requests (0100, 0200) by
``decline_rules`` on the amount's last two digits, completes authorizations (0200 with
condition code 06), takes reversals (0400 and repeats 0401, found by field 90) and keeps
its decisions in its own ``Ledger``. A request is decided and booked when it arrives;
only then do the faults act on its reply, so a dropped reply still leaves an approval
that the gateway has to reverse, as a real network would.

Faults: each reply to a 0100, 0200, 0400 or 0401 is dropped, sent late (``late_ms``
after the latency), replaced by a garbage frame, or its connection closed, at the given
rates; one-shot faults (``once``) hit the next 0100 or 0200 only. Latency is
``latency_ms`` plus a uniform draw up to ``latency_jitter_ms``. Network management
messages (0800) are never faulted, so the link itself stays up unless a fault closes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

import structlog

from qrpay.connectors.iso8583.framing import (
    FRAME_BYTES_MAX,
    FramingError,
    encode_frame,
    read_frame,
)
from qrpay.connectors.iso8583.mac import MacKey, seal
from qrpay.connectors.iso8583.messages import (
    Message,
    MessageInvalid,
    response,
    split_original_data,
    unpack,
)
from qrpay.connectors.iso8583.spec import MAC_BYTES, ConditionCode, Mti, ProcessingCode
from qrpay.simulators.acquirer_ledger import (
    Entry,
    EntryKind,
    EntryStatus,
    Ledger,
    write_report,
)
from qrpay.simulators.control import Routes, serve_control

log = structlog.get_logger("qrpay.simulators.acquirer")

DEFAULT_DECLINE_RULES: Final = {"05": "05", "14": "14", "43": "43", "51": "51", "91": "91"}
"""Amount ending -> response code: do not honour, invalid card, stolen, funds, issuer down."""
GARBAGE_FRAME: Final = encode_frame(b"NOT AN ISO 8583 MESSAGE")
APPROVED: Final = "00"
_FAULTABLE: Final = frozenset(
    {Mti.AUTHORIZATION_REQUEST, Mti.FINANCIAL_REQUEST, Mti.REVERSAL_REQUEST, Mti.REVERSAL_REPEAT}
)


class Fault(StrEnum):
    DROP = "drop"
    LATE = "late"
    CLOSE = "close"
    GARBAGE = "garbage"


@dataclass(slots=True)
class Faults:
    """What goes wrong, settable at start (flags) and while running (control endpoint)."""

    drop_rate: float = 0.0
    late_rate: float = 0.0
    close_rate: float = 0.0
    garbage_rate: float = 0.0
    late_ms: int = 2_000
    latency_ms: int = 0
    latency_jitter_ms: int = 0
    once: list[Fault] = field(default_factory=list)

    def update(self, changes: dict[str, Any]) -> None:
        """Apply a control request's body; unknown keys or bad values raise ValueError."""
        for name, value in changes.items():
            if name == "once":
                self.once.extend(Fault(v) for v in value)
            elif name.endswith("_rate"):
                rate = float(value)
                if name not in _RATE_NAMES or not 0.0 <= rate <= 1.0:
                    raise ValueError(f"{name} must be one of {_RATE_NAMES}, from 0 to 1")
                setattr(self, name, rate)
            elif name in ("late_ms", "latency_ms", "latency_jitter_ms"):
                if type(value) is not int or value < 0:
                    raise ValueError(f"{name} must be a whole number of ms, 0 or more")
                setattr(self, name, value)
            else:
                raise ValueError(f"unknown fault setting {name!r}")

    def draw(self, mti: Mti, rng: random.Random) -> Fault | None:
        if mti not in _FAULTABLE:
            return None
        if self.once and mti in (Mti.AUTHORIZATION_REQUEST, Mti.FINANCIAL_REQUEST):
            return self.once.pop(0)
        roll = rng.random()
        for fault, rate in (
            (Fault.DROP, self.drop_rate),
            (Fault.LATE, self.late_rate),
            (Fault.CLOSE, self.close_rate),
            (Fault.GARBAGE, self.garbage_rate),
        ):
            if roll < rate:
                return fault
            roll -= rate
        return None


_RATE_NAMES: Final = ("drop_rate", "late_rate", "close_rate", "garbage_rate")


class AcquirerSimulator:
    def __init__(
        self,
        key: MacKey,
        ledger: Ledger,
        faults: Faults | None = None,
        decline_rules: dict[str, str] | None = None,
        rng: random.Random | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._key = key
        self.ledger = ledger
        self.faults = faults or Faults()
        self.decline_rules = dict(DEFAULT_DECLINE_RULES if decline_rules is None else decline_rules)
        self._rng = rng or random.Random()  # noqa: S311 - simulated faults, not secrets
        self._now = now
        self._auth_codes = 0
        self.connections = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One client connection: read frames until it closes or sends garbage."""
        self.connections += 1
        lock = asyncio.Lock()
        replies: set[asyncio.Task[None]] = set()
        try:
            while True:
                try:
                    payload = await read_frame(reader, FRAME_BYTES_MAX)
                except (FramingError, OSError):
                    return
                reply = await self._answer(payload)
                if reply is None:
                    return
                message, answer = reply
                fault = self.faults.draw(message.mti, self._rng)
                task = asyncio.create_task(self._reply(writer, lock, answer, fault))
                replies.add(task)
                task.add_done_callback(replies.discard)
        finally:
            for task in list(replies):
                task.cancel()
            writer.close()
            self.connections -= 1

    async def _answer(self, payload: bytes) -> tuple[Message, Message | None] | None:
        """The request and its reply (None for replies sent to us); None on garbage."""
        try:
            message = unpack(payload)
        except MessageInvalid as exc:
            log.warning("sim.garbage_received", error=str(exc))
            return None
        if not await self._key.verify(payload[:-MAC_BYTES], payload[-MAC_BYTES:]):
            log.warning("sim.mac_mismatch", mti=message.mti, stan=message.get(11))
            bad = response(message, "63") if message.mti in _REQUESTS else None
            return message, bad
        return message, self.decide(message)

    def decide(self, message: Message) -> Message | None:
        """Book the request in the ledger and build the reply. No I/O but the ledger file."""
        if message.mti is Mti.NETWORK_REQUEST:
            return response(message, APPROVED)
        if message.mti in (Mti.AUTHORIZATION_REQUEST, Mti.FINANCIAL_REQUEST):
            return self._financial(message)
        if message.mti in (Mti.REVERSAL_REQUEST, Mti.REVERSAL_REPEAT):
            return self._reversal(message)
        log.warning("sim.unexpected_message", mti=message.mti)
        return None

    def _financial(self, m: Message) -> Message:
        key = _key(m.get(41) or "", m.require(7), m.stan)
        if key in self.ledger.entries:
            return response(m, "94")
        kind = _kind(m)
        code = self.decline_rules.get(m.require(4)[-2:], APPROVED)
        if kind is EntryKind.CAPTURE:
            code = self._complete(m)
        approved = code == APPROVED
        self.ledger.add(
            Entry(
                key=key,
                kind=kind,
                stan=m.stan,
                rrn=m.require(37),
                terminal=(m.get(41) or "").strip(),
                merchant=(m.get(42) or "").strip(),
                amount_minor=int(m.require(4)),
                currency=m.require(49),
                response_code=code,
                status=EntryStatus.APPROVED if approved else EntryStatus.DECLINED,
                time=self._now().astimezone(UTC).isoformat(timespec="milliseconds"),
            )
        )
        if not approved:
            return response(m, code)
        self._auth_codes += 1
        return response(m, code, {38: f"{self._auth_codes % 1_000_000:06d}"})

    def _complete(self, m: Message) -> str:
        original = self._original(m)
        if original is None or original.kind is not EntryKind.AUTHORIZATION:
            return "25"
        if original.status is not EntryStatus.APPROVED:
            return "12"
        original.status = EntryStatus.CAPTURED
        return APPROVED

    def _reversal(self, m: Message) -> Message:
        original = self._original(m)
        if original is None:
            return response(m, "25")
        original.reversal_messages += 1
        if original.status in (EntryStatus.APPROVED, EntryStatus.CAPTURED):
            original.status = EntryStatus.REVERSED
        self.ledger.save()
        return response(m, APPROVED)

    def _original(self, m: Message) -> Entry | None:
        data = m.get(90)
        if data is None:
            return None
        _, stan, transmitted = split_original_data(data)
        return self.ledger.entries.get(_key(m.get(41) or "", transmitted, stan))

    async def _reply(
        self,
        writer: asyncio.StreamWriter,
        lock: asyncio.Lock,
        reply: Message | None,
        fault: Fault | None,
    ) -> None:
        delay_ms = self.faults.latency_ms + self._rng.randint(0, self.faults.latency_jitter_ms)
        if fault is Fault.LATE:
            delay_ms += self.faults.late_ms
        await asyncio.sleep(delay_ms / 1000)
        if fault is Fault.DROP or reply is None:
            return
        if fault is Fault.CLOSE:
            writer.close()
            return
        frame = (
            GARBAGE_FRAME if fault is Fault.GARBAGE else encode_frame(await seal(reply, self._key))
        )
        async with lock:
            writer.write(frame)
            with contextlib.suppress(OSError):
                await writer.drain()

    def faults_view(self) -> dict[str, Any]:
        return asdict(self.faults)


_REQUESTS: Final = frozenset(
    {
        Mti.AUTHORIZATION_REQUEST,
        Mti.FINANCIAL_REQUEST,
        Mti.REVERSAL_REQUEST,
        Mti.REVERSAL_REPEAT,
        Mti.NETWORK_REQUEST,
    }
)


def _key(terminal: str, transmitted: str, stan: str) -> str:
    # The same key the gateway gives its reversal (``reversals.reversal_id``).
    return f"{terminal.strip()}-{transmitted}-{stan}"


def _kind(m: Message) -> EntryKind:
    if m.mti is Mti.AUTHORIZATION_REQUEST:
        return EntryKind.AUTHORIZATION
    if m.require(3) == ProcessingCode.REFUND:
        return EntryKind.REFUND
    if m.get(25) == ConditionCode.PREAUTHORIZED:
        return EntryKind.CAPTURE
    return EntryKind.SALE


@dataclass(frozen=True, slots=True)
class Listening:
    host: str
    port: int
    control_port: int | None


def control_routes(sim: AcquirerSimulator, report_path: Path | None) -> Routes:
    """GET /health, GET /ledger, GET|POST /faults, POST /report."""

    async def health(_: Any) -> tuple[int, Any]:
        return 200, {"ok": True, "connections": sim.connections}

    async def ledger(_: Any) -> tuple[int, Any]:
        return 200, sim.ledger.snapshot()

    async def get_faults(_: Any) -> tuple[int, Any]:
        return 200, sim.faults_view()

    async def set_faults(body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict):
            raise ValueError("send a JSON object of fault settings")
        sim.faults.update(body)
        return 200, sim.faults_view()

    async def report(body: Any) -> tuple[int, Any]:
        day = date.fromisoformat(body["day"]) if isinstance(body, dict) and "day" in body else None
        rows = sim.ledger.rows(day)
        if report_path is not None:
            write_report(report_path, rows)
        written = None if report_path is None else str(report_path)
        return 200, {"rows": rows, "written": written}

    return {
        ("GET", "/health"): health,
        ("GET", "/ledger"): ledger,
        ("GET", "/faults"): get_faults,
        ("POST", "/faults"): set_faults,
        ("POST", "/report"): report,
    }


async def serve(
    sim: AcquirerSimulator,
    host: str,
    port: int,
    control_port: int | None,
    report_path: Path | None,
    announce: Callable[[Listening], None],
) -> None:
    """Serve until SIGTERM or SIGINT; then write the report when a path is set."""
    server = await asyncio.start_server(sim.handle, host, port)
    bound = server.sockets[0].getsockname()[1]
    control = None
    if control_port is not None:
        control = await serve_control(control_routes(sim, report_path), host, control_port)
        control_port = control.sockets[0].getsockname()[1]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    announce(Listening(host, bound, control_port))
    try:
        await stop.wait()
    finally:
        server.close()
        if control is not None:
            control.close()
        if report_path is not None:
            write_report(report_path, sim.ledger.rows())
