"""The ISO 20022 connector against ``qrpay sim instant`` run as its own process, over a real
socket on 127.0.0.1: approval, rejections, late and garbage answers resolved by a pacs.028,
connection refused, returns, the simulator's ledger and its camt.053 report."""

from __future__ import annotations

import itertools
import os
import select
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from qrpay.connectors.base import Outcome
from qrpay.connectors.iso20022.connector import (
    InstantConfig,
    Iso20022Connector,
    Payee,
    Payer,
    ReturnRequest,
    TransferRequest,
)
from qrpay.connectors.iso20022.documents import MessageType
from qrpay.connectors.iso20022.messages import References, new_uetr
from qrpay.connectors.iso20022.statement import EntryKind, parse_statement_report
from qrpay.connectors.iso20022.transport import HttpTransport, TransportConfig
from qrpay.domain.ids import AttemptId, MerchantId, PaymentId, WalletId
from qrpay.domain.money import Money
from qrpay.simulators.instant_ledger import RecordKind, SimLedger, record_of
from tests.unit.connectors.iso20022.samples import GATEWAY_AGENT, schema_errors

START_TIMEOUT_S = 15
HTTP_TIMEOUT_MS = 400
LATE_MS = 900
QRPAY = Path(sys.executable).with_name("qrpay")
"""The console script installed beside this interpreter: the command a person runs."""
_ids = itertools.count(1)


@dataclass
class Simulator:
    process: subprocess.Popen[str]
    url: str
    ledger: Path
    report: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()


def start_simulator(tmp: Path, *extra: str) -> Simulator:
    ledger, report = tmp / "ledger.jsonl", tmp / "camt053.xml"
    command = [
        str(QRPAY), "sim", "instant", "--port", "0",
        "--ledger", str(ledger), "--report", str(report), "--late-ms", str(LATE_MS), *extra,
    ]  # fmt: skip
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], START_TIMEOUT_S)
    line = process.stdout.readline() if ready else ""
    if not line.startswith("listening on "):
        process.kill()
        raise AssertionError(f"the simulator did not start: {line!r}")
    return Simulator(process, line.split()[-1], ledger, report)


@pytest.fixture(scope="module")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    sim = start_simulator(tmp_path_factory.mktemp("sim-instant"))
    yield sim
    sim.stop()


def connector(url: str, inquiries_max: int = 3) -> Iso20022Connector:
    transport = HttpTransport(
        TransportConfig(url, http_timeout_ms=HTTP_TIMEOUT_MS, connect_timeout_ms=200)
    )
    config = InstantConfig(
        "PROMPTPAY", GATEWAY_AGENT, inquiries_max=inquiries_max, inquiry_backoff_ms=50
    )
    return Iso20022Connector(config, transport, lambda: datetime.now(UTC), anyio.sleep)


@pytest.fixture
async def instant(simulator: Simulator) -> AsyncIterator[Iso20022Connector]:
    await control(simulator, "POST", "/control/faults", {"latency": "fixed:0"})
    c = connector(simulator.url)
    yield c
    await c.aclose()


def transfer(amount_minor: int, attempt: str | None = None) -> TransferRequest:
    n = next(_ids)
    return TransferRequest(
        payment_id=PaymentId(f"pay_it{n:06d}"),
        attempt_id=AttemptId(attempt or f"att_it{n:06d}"),
        merchant_id=MerchantId("mer_external"),
        amount=Money.of(amount_minor, "THB"),
        payer_wallet_id=WalletId("wal_it"),
        payer=Payer("Ann Payer", "acc_wallet_it"),
        payee=Payee("Somtam Corner", "0066812345678", "mobile"),
        uetr=new_uetr(),
    )


async def control(sim: Simulator, method: str, path: str, body: object = None) -> httpx.Response:
    async with httpx.AsyncClient(base_url=sim.url, timeout=5) as client:
        response = await client.request(method, path, json=body)
    assert response.status_code == 200, response.text
    return response


async def ledger_of(sim: Simulator) -> list[dict[str, Any]]:
    records = (await control(sim, "GET", "/control/ledger")).json()
    assert isinstance(records, list)
    return records


# acceptance


async def test_an_approved_transfer_is_booked_by_the_network(
    instant: Iso20022Connector, simulator: Simulator
) -> None:
    request = transfer(12050)
    result = await instant.sale(request)
    assert (result.outcome, result.network_code, result.inquiries) == (Outcome.APPROVED, "ACSC", 0)
    (booked,) = [r for r in await ledger_of(simulator) if r["tx_id"] == request.attempt_id]
    assert (booked["amount_minor"], booked["currency"], booked["tx_status"]) == (
        12050,
        "THB",
        "ACSC",
    )
    assert booked["uetr"] == str(request.uetr)


@pytest.mark.parametrize(
    ("amount_minor", "outcome", "code"),
    [
        (12001, Outcome.DECLINED_HARD, "AC01"),
        (12004, Outcome.DECLINED_SOFT, "AM04"),
        (12091, Outcome.DECLINED_SOFT, "AB05"),
    ],
)
async def test_a_rejection_by_amount_ending_is_a_decline(
    instant: Iso20022Connector, amount_minor: int, outcome: Outcome, code: str
) -> None:
    result = await instant.sale(transfer(amount_minor))
    assert (result.outcome, result.network_code, result.inquiries) == (outcome, code, 0)


@pytest.mark.parametrize("fault", ["late", "drop", "close", "garbage"])
async def test_a_lost_answer_is_resolved_by_a_status_request(
    instant: Iso20022Connector, simulator: Simulator, fault: str
) -> None:
    # Given a network that will lose its next answer to a pacs.008
    await control(simulator, "POST", "/control/faults", {"next": [fault]})
    # When the gateway sells
    result = await instant.sale(transfer(12050))
    # Then a pacs.028 finds that the network settled it
    assert (result.outcome, result.network_code) == (Outcome.APPROVED, "ACSC")
    assert result.inquiries >= 1


async def test_a_garbage_answer_is_unknown_until_an_inquiry_resolves_it(
    simulator: Simulator,
) -> None:
    await control(simulator, "POST", "/control/faults", {"next": ["garbage"]})
    c = connector(simulator.url, inquiries_max=0)
    request = transfer(12001)
    first = await c.sale(request)
    assert (first.outcome, first.network_code) == (Outcome.UNKNOWN, "BAD_REPLY")
    later = await c.inquire(request)
    assert (later.outcome, later.network_code) == (Outcome.DECLINED_HARD, "AC01")
    await c.aclose()


async def test_a_refused_connection_is_a_soft_decline() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port any more.
    c = connector(f"http://127.0.0.1:{port}")
    result = await c.sale(transfer(12050))
    assert (result.outcome, result.network_code) == (Outcome.DECLINED_SOFT, "NOT_DELIVERED")
    assert not (await c.health()).up
    await c.aclose()


# beyond the acceptance list


async def test_the_same_transfer_sent_twice_is_refused_as_a_duplicate(
    instant: Iso20022Connector,
) -> None:
    request = transfer(12050)
    assert (await instant.sale(request)).outcome is Outcome.APPROVED
    again = await instant.sale(request)
    assert (again.outcome, again.network_code) == (Outcome.DECLINED_HARD, "DUPL")


async def test_a_transfer_is_returned_in_part_but_never_beyond_its_amount(
    instant: Iso20022Connector,
) -> None:
    sale = transfer(12050)
    original = (await instant.sale(sale)).refs
    assert original is not None

    def back(amount_minor: int) -> ReturnRequest:
        return ReturnRequest(
            payment_id=sale.payment_id,
            attempt_id=AttemptId(f"att_rt{next(_ids):06d}"),
            merchant_id=sale.merchant_id,
            amount=Money.of(amount_minor, "THB"),
            payer_wallet_id=None,
            original_refs=original,
            original_amount=sale.amount,
        )

    assert (await instant.refund(back(10_000))).outcome is Outcome.APPROVED
    too_much = await instant.refund(back(2_051))
    assert (too_much.outcome, too_much.network_code) == (Outcome.DECLINED_HARD, "AM09")
    assert (await instant.refund(back(2_050))).outcome is Outcome.APPROVED


async def test_a_document_that_breaks_its_schema_is_refused_at_the_door(
    simulator: Simulator,
) -> None:
    bad = b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:pacs.008.001.09'><x/></Document>"
    async with httpx.AsyncClient(base_url=simulator.url) as client:
        response = await client.post("/iso20022", content=bad)
    assert response.status_code == 400
    assert "schema" in response.text


async def test_the_health_endpoint_answers(instant: Iso20022Connector) -> None:
    assert (await instant.health()).up


async def test_the_end_of_day_report_is_a_valid_camt053_of_the_booked_transfers(
    instant: Iso20022Connector, simulator: Simulator
) -> None:
    request = transfer(3300)
    assert (await instant.sale(request)).outcome is Outcome.APPROVED
    data = (await control(simulator, "POST", "/control/report")).content
    assert schema_errors(MessageType.CAMT_053, data) == []
    assert simulator.report.read_bytes() == data
    (thb,) = parse_statement_report(data).statements
    booked = [r for r in await ledger_of(simulator) if r["tx_status"] == "ACSC"]
    assert {e.refs.tx_id for e in thb.entries} == {r["tx_id"] for r in booked}
    (entry,) = [e for e in thb.entries if e.refs.tx_id == request.attempt_id]
    assert (entry.kind, entry.amount, entry.refs.uetr) == (
        EntryKind.TRANSFER,
        Money.of(3300, "THB"),
        request.uetr,
    )
    assert thb.closing_minor == sum(
        r["amount_minor"] * (1 if r["kind"] == "return" else -1) for r in booked
    )


async def test_a_restarted_simulator_remembers_its_ledger_and_reports_at_shutdown(
    tmp_path: Path,
) -> None:
    # Given a ledger file left by an earlier run of the simulator
    request = transfer(4400)
    earlier = SimLedger(tmp_path / "ledger.jsonl")
    refs = References(
        request.attempt_id, request.attempt_id, request.payment_id, request.attempt_id, request.uetr
    )
    earlier.add(
        record_of(RecordKind.TRANSFER, refs, request.amount, "ACSC", None, datetime.now(UTC))
    )
    # When a new simulator process starts on it
    sim = start_simulator(tmp_path)
    c = connector(sim.url)
    try:
        # Then it answers an inquiry about that transfer, and refuses to book it twice
        answer = await c.inquire(request)
        assert (answer.outcome, answer.network_code) == (Outcome.APPROVED, "ACSC")
        assert (await c.sale(request)).network_code == "DUPL"
    finally:
        await c.aclose()
        sim.stop()
    # and at shutdown it writes the day's camt.053 with it
    report = sim.report.read_bytes()
    assert schema_errors(MessageType.CAMT_053, report) == []
    (thb,) = parse_statement_report(report).statements
    assert [e.refs.uetr for e in thb.entries] == [request.uetr]
