"""The instant account-to-account network simulator: ISO 20022 over HTTP, as its own process.

``InstantNetwork`` plays the network: it reads a pacs.008, pacs.028 or pacs.004 (refusing
any that breaks its XSD with HTTP 400), decides, books the decision in its own ledger and
answers a pacs.002. ``serve`` puts it on a socket with a small HTTP/1.1 server (h11 over
asyncio streams), which gives the control a fault needs: keep a connection open without
answering, answer late, close it, or answer garbage.

    POST /iso20022          an ISO 20022 document; the answer is a pacs.002
    GET  /health            200 "ok"
    GET  /control/faults    the current behaviour (JSON); POST changes it
    GET  /control/ledger    every decision (JSON)
    POST /control/report    the camt.053 of a day ({"date": "YYYY-MM-DD"}, today by
                            default), also written to ``--report`` when set

It binds to 127.0.0.1 by default: the control endpoint has no authentication.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final

import h11

from qrpay.connectors.iso20022 import documents, replies
from qrpay.connectors.iso20022.documents import DocumentInvalid, MessageType
from qrpay.connectors.iso20022.messages import References, StatusReport
from qrpay.connectors.iso20022.statement import build_statement_report
from qrpay.simulators.instant_behaviour import Behaviour, Fault, SettingInvalid
from qrpay.simulators.instant_ledger import (
    ACCEPTED,
    RecordKind,
    SimLedger,
    record_of,
)

REJECTED: Final = "RJCT"
HEADER_BYTES_MAX: Final = 16 * 1024
READ_CHUNK_BYTES: Final = 64 * 1024
DROP_HOLD_MS_MAX: Final = 60_000
"""A dropped answer keeps the connection open this long at most, then closes it."""
GARBAGE: Final = b"\x00\x17\xffISO?\x1b[0m<Document"


@dataclass(frozen=True)
class Options:
    host: str = "127.0.0.1"
    port: int = 0
    ledger_path: Path | None = None
    report_path: Path | None = None
    account: str = "QRPAY-SETTLEMENT"
    """The participant's settlement account that the camt.053 reports."""
    home_currency: str = "THB"
    behaviour: Behaviour = field(default_factory=Behaviour)


class InstantNetwork:
    """Decides and books each message; no sockets, so it is tested on its own."""

    def __init__(self, ledger: SimLedger, behaviour: Behaviour, now: Callable[[], datetime]):
        self.ledger = ledger
        self.behaviour = behaviour
        self._now = now

    def handle(self, data: bytes) -> tuple[MessageType, StatusReport]:
        """The pacs.002 answering ``data``; ``DocumentInvalid`` when it cannot be read."""
        message, _ = documents.parse(data)
        if message is MessageType.PACS_008:
            report = self._transfer(data)
        elif message is MessageType.PACS_028:
            report = self._inquiry(data)
        elif message is MessageType.PACS_004:
            report = self._return(data)
        else:
            raise DocumentInvalid(f"{message} is not a request this network takes")
        return message, report

    def _transfer(self, data: bytes) -> StatusReport:
        ct = replies.parse_credit_transfer(data)
        if self.ledger.seen(RecordKind.TRANSFER, ct.refs):
            return self._report(ct.refs, MessageType.PACS_008, REJECTED, "DUPL")
        reason = self.behaviour.decline_code(ct.amount.amount_minor)
        tx_status = REJECTED if reason else ACCEPTED
        record = record_of(RecordKind.TRANSFER, ct.refs, ct.amount, tx_status, reason, self._now())
        self.ledger.add(record)
        return self._report(ct.refs, MessageType.PACS_008, tx_status, reason)

    def _inquiry(self, data: bytes) -> StatusReport:
        asked = replies.parse_status_request(data)
        kinds = {MessageType.PACS_008: RecordKind.TRANSFER, MessageType.PACS_004: RecordKind.RETURN}
        kind = kinds.get(asked.original_message)
        record = self.ledger.find(kind, asked.original) if kind else None
        if record is None:
            return self._report(asked.original, asked.original_message, REJECTED, "NOOR")
        return self._report(record.refs, asked.original_message, record.tx_status, record.reason)

    def _return(self, data: bytes) -> StatusReport:
        rtr = replies.parse_return(data)
        refs = rtr.references
        if self.ledger.seen(RecordKind.RETURN, refs):
            return self._report(refs, MessageType.PACS_004, REJECTED, "DUPL")
        original = self.ledger.find(RecordKind.TRANSFER, rtr.original)
        reason = None
        if original is None or not original.accepted:
            reason = "NOOR"
        elif (
            original.currency != rtr.returned.currency.code
            or rtr.returned.amount_minor
            > original.amount_minor - self.ledger.returned_minor(original.tx_id)
        ):
            reason = "AM09"
        tx_status = REJECTED if reason else ACCEPTED
        self.ledger.add(
            record_of(
                RecordKind.RETURN,
                refs,
                rtr.returned,
                tx_status,
                reason,
                self._now(),
                rtr.original.tx_id,
            )
        )
        return self._report(refs, MessageType.PACS_004, tx_status, reason)

    def _report(
        self, refs: References, message: MessageType, tx_status: str, reason: str | None
    ) -> StatusReport:
        return StatusReport(
            msg_id="sim" + uuid.uuid4().hex,
            created_at=self._now(),
            original=refs,
            original_message=message,
            tx_status=tx_status,
            reason=reason,
        )


def write_report(options: Options, ledger: SimLedger, now: datetime, day: date) -> bytes:
    """The camt.053 of ``day``; also written (atomically) to ``--report`` when set."""
    msg_id = f"EOD-{day.isoformat()}-{uuid.uuid4().hex[:8]}"
    report = ledger.statement(day, options.account, options.home_currency, msg_id, now)
    data = build_statement_report(report)
    if options.report_path is not None:
        options.report_path.parent.mkdir(parents=True, exist_ok=True)
        partial = options.report_path.with_suffix(options.report_path.suffix + ".partial")
        partial.write_bytes(data)
        os.replace(partial, options.report_path)
    return data


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes
    media_type: str = "application/xml"
    fault: Fault | None = None
    delay_ms: float = 0.0


class Server:
    """HTTP/1.1 with keep-alive over asyncio streams; each fault is played on the socket."""

    def __init__(self, options: Options, network: InstantNetwork) -> None:
        self.options = options
        self.network = network
        self.behaviour = network.behaviour

    async def connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=HEADER_BYTES_MAX)
        try:
            while True:
                request = await _read_request(conn, reader)
                if request is None:
                    return
                answer = await self._answer(*request)
                if not await self._deliver(conn, reader, writer, answer):
                    return
                if conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
                    return
                conn.start_next_cycle()
        except (h11.ProtocolError, ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _answer(self, method: str, path: str, body: bytes) -> Answer:
        if (method, path) == ("POST", "/iso20022"):
            return self._iso20022(body)
        if (method, path) == ("GET", "/health"):
            return Answer(200, b"ok", "text/plain")
        try:
            return self._control(method, path, body)
        except (SettingInvalid, ValueError) as exc:
            return Answer(400, str(exc).encode(), "text/plain")

    def _iso20022(self, body: bytes) -> Answer:
        try:
            message, report = self.network.handle(body)
        except DocumentInvalid as exc:
            _log(f"refused: {exc}")
            return Answer(400, str(exc).encode(), "text/plain")
        fault = self.behaviour.fault_for(message)
        delay_ms = self.behaviour.latency.sample_ms(self.behaviour.rng)
        said = " ".join(filter(None, [report.original.tx_id, report.tx_status, report.reason]))
        _log(f"{message} {said}" + (f", fault {fault}" if fault else ""))
        return Answer(200, replies.build_status_report(report), fault=fault, delay_ms=delay_ms)

    def _control(self, method: str, path: str, body: bytes) -> Answer:
        if path == "/control/faults" and method in ("GET", "POST"):
            if method == "POST":
                settings = json.loads(body or b"{}")
                if not isinstance(settings, dict):
                    raise SettingInvalid("the settings are a JSON object")
                self.behaviour.update(settings)
            return _json(self.behaviour.to_dict())
        if (method, path) == ("GET", "/control/ledger"):
            return _json(self.network.ledger.to_json())
        if (method, path) == ("POST", "/control/report"):
            asked = json.loads(body or b"{}").get("date")
            now = datetime.now(UTC)
            day = date.fromisoformat(asked) if asked else now.date()
            return Answer(200, write_report(self.options, self.network.ledger, now, day))
        return Answer(404, b"not found", "text/plain")

    async def _deliver(
        self,
        conn: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        answer: Answer,
    ) -> bool:
        """Send (or, by the fault, not send) the answer; False when the connection is done."""
        await asyncio.sleep(answer.delay_ms / 1000)
        if answer.fault is Fault.CLOSE:
            return False
        if answer.fault is Fault.DROP:
            # Hold the connection without a word until the client hangs up.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(reader.read(), DROP_HOLD_MS_MAX / 1000)
            return False
        if answer.fault is Fault.LATE:
            await asyncio.sleep(self.behaviour.late_ms / 1000)
        body = GARBAGE if answer.fault is Fault.GARBAGE else answer.body
        headers = [("content-type", answer.media_type), ("content-length", str(len(body)))]
        writer.write(conn.send(h11.Response(status_code=answer.status, headers=headers)) or b"")
        writer.write(conn.send(h11.Data(data=body)) or b"")
        writer.write(conn.send(h11.EndOfMessage()) or b"")
        await writer.drain()
        return True


async def _read_request(
    conn: h11.Connection, reader: asyncio.StreamReader
) -> tuple[str, str, bytes] | None:
    """The next request's method, path and body; None when the client closed."""
    method = path = ""
    body = bytearray()
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(await reader.read(READ_CHUNK_BYTES))
        elif isinstance(event, h11.Request):
            method, path = event.method.decode(), event.target.decode()
        elif isinstance(event, h11.Data):
            body += event.data
            if len(body) > documents.DOCUMENT_BYTES_MAX:
                return None
        elif isinstance(event, h11.EndOfMessage):
            return method, path, bytes(body)
        else:
            return None  # ConnectionClosed, or PAUSED after a close


def _json(value: Any) -> Answer:
    return Answer(200, json.dumps(value).encode(), "application/json")


def _log(line: str) -> None:
    print(f"sim instant: {line}", file=sys.stderr, flush=True)


async def serve(options: Options) -> None:
    """Run until SIGTERM or SIGINT; then write the end-of-day report when one is asked."""
    ledger = SimLedger(options.ledger_path)
    network = InstantNetwork(ledger, options.behaviour, lambda: datetime.now(UTC))
    server = Server(options, network)
    listener = await asyncio.start_server(server.connection, options.host, options.port)
    port = listener.sockets[0].getsockname()[1]
    # Tests and scripts wait for this line: it carries the port when --port 0 was given.
    print(f"listening on http://{options.host}:{port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with listener:
        await stop.wait()
    if options.report_path is not None:
        now = datetime.now(UTC)
        write_report(options, ledger, now, now.date())
        _log(f"end-of-day report written to {options.report_path}")
