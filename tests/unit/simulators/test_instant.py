"""The instant network simulator's decisions and ledger, without a socket."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from qrpay.connectors.iso20022 import messages, replies
from qrpay.connectors.iso20022.documents import DocumentInvalid, MessageType
from qrpay.connectors.iso20022.messages import PaymentReturn, StatusRequest
from qrpay.connectors.iso20022.statement import EntryKind, build_statement_report
from qrpay.domain.money import Money
from qrpay.simulators.instant import InstantNetwork
from qrpay.simulators.instant_behaviour import Behaviour
from qrpay.simulators.instant_ledger import SimLedger
from tests.fakes.clock import FakeClock
from tests.unit.connectors.iso20022 import samples
from tests.unit.connectors.iso20022.samples import schema_errors


def network(path: Path | None = None, clock: FakeClock | None = None) -> InstantNetwork:
    clock = clock or FakeClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    return InstantNetwork(SimLedger(path), Behaviour(), clock.now)


def send_transfer(
    net: InstantNetwork, amount_minor: int, tx_id: str = "att_0001"
) -> tuple[str, str | None]:
    ct = samples.credit_transfer(
        Money.of(amount_minor, "THB"), tx_id=tx_id, uetr=messages.new_uetr()
    )
    message, report = net.handle(messages.build_credit_transfer(ct))
    assert message is MessageType.PACS_008
    assert report.original == ct.refs
    return report.tx_status, report.reason


def send_return(
    net: InstantNetwork, amount_minor: int, return_id: str, tx_id: str = "att_0001"
) -> tuple[str, str | None]:
    original = next(r for r in net.ledger.records if r.tx_id == tx_id)
    rtr = PaymentReturn(
        msg_id=return_id,
        return_id=return_id,
        created_at=samples.CREATED_AT,
        original=original.refs,
        original_amount=Money.of(original.amount_minor, "THB"),
        returned=Money.of(amount_minor, "THB"),
        settlement_date=samples.BUSINESS_DAY,
        reason="CUST",
        clearing_system="PROMPTPAY",
    )
    _, report = net.handle(messages.build_return(rtr))
    assert report.original == rtr.references
    return report.tx_status, report.reason


def inquire(
    net: InstantNetwork, tx_id: str, message: MessageType = MessageType.PACS_008
) -> tuple[str, str | None]:
    record = next((r for r in net.ledger.records if r.tx_id == tx_id), None)
    refs = record.refs if record else samples.refs(tx_id)
    _, report = net.handle(
        messages.build_status_request(StatusRequest("q1", samples.CREATED_AT, refs, message))
    )
    return report.tx_status, report.reason


@pytest.mark.parametrize(
    ("amount_minor", "expected"),
    [
        (12050, ("ACSC", None)),
        (12001, ("RJCT", "AC01")),
        (12004, ("RJCT", "AM04")),
        (991, ("RJCT", "AB05")),
    ],
)
def test_amount_endings_decide_the_answer(
    amount_minor: int, expected: tuple[str, str | None]
) -> None:
    assert send_transfer(network(), amount_minor) == expected


def test_the_longest_matching_ending_wins() -> None:
    net = network()
    net.behaviour.update({"declines": {"1": "AM02", "501": "AC04"}})
    assert send_transfer(net, 12501, "att_1") == ("RJCT", "AC04")
    assert send_transfer(net, 12511, "att_2") == ("RJCT", "AM02")


def test_every_decision_is_booked_and_a_second_send_is_a_duplicate_not_a_second_booking() -> None:
    net = network()
    assert send_transfer(net, 12050) == ("ACSC", None)
    assert send_transfer(net, 12050) == ("RJCT", "DUPL")
    assert [(r.tx_id, r.tx_status) for r in net.ledger.records] == [("att_0001", "ACSC")]


def test_an_inquiry_answers_from_the_ledger_or_says_never_received() -> None:
    net = network()
    send_transfer(net, 12001)
    assert inquire(net, "att_0001") == ("RJCT", "AC01")
    assert inquire(net, "att_9999") == ("RJCT", "NOOR")


def test_returns_are_bounded_by_what_is_left_of_the_original() -> None:
    net = network()
    send_transfer(net, 12050)
    assert send_return(net, 10_000, "att_r1") == ("ACSC", None)
    assert send_return(net, 2_051, "att_r2") == ("RJCT", "AM09")
    assert send_return(net, 2_050, "att_r3") == ("ACSC", None)
    assert send_return(net, 2_050, "att_r3") == ("RJCT", "DUPL")
    assert net.ledger.returned_minor("att_0001") == 12050
    assert inquire(net, "att_r1", MessageType.PACS_004)[0] == "ACSC"


def test_a_rejected_transfer_cannot_be_returned() -> None:
    net = network()
    send_transfer(net, 12001)
    assert send_return(net, 100, "att_r1") == ("RJCT", "NOOR")


@pytest.mark.parametrize(
    "data",
    [
        b"not xml",
        b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:pacs.008.001.09'><x/></Document>",
        replies.build_status_report(
            messages.StatusReport(
                "r", samples.CREATED_AT, samples.refs(), MessageType.PACS_008, "ACSC"
            )
        ),
    ],
    ids=["not-xml", "schema", "a-pacs002"],
)
def test_what_the_network_cannot_take_is_refused_and_not_booked(data: bytes) -> None:
    net = network()
    with pytest.raises(DocumentInvalid):
        net.handle(data)
    assert net.ledger.records == []


def test_the_ledger_file_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    net = network(path)
    send_transfer(net, 12050)
    send_transfer(net, 12001, "att_0002")
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(r["tx_id"], r["tx_status"]) for r in lines] == [
        ("att_0001", "ACSC"),
        ("att_0002", "RJCT"),
    ]
    again = network(path)
    assert inquire(again, "att_0001") == ("ACSC", None)
    assert send_transfer(again, 12050) == ("RJCT", "DUPL")


def test_the_statement_opens_with_earlier_days_and_lists_the_days_bookings() -> None:
    clock = FakeClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    net = network(clock=clock)
    send_transfer(net, 10_000, "att_day1")
    clock.advance(days=1)
    send_transfer(net, 12050, "att_day2")
    send_return(net, 2_000, "att_ret2", tx_id="att_day2")
    send_transfer(net, 5_001, "att_rej2")
    report = net.ledger.statement(date(2026, 11, 24), "QRPY", "THB", "eod", clock.now())
    (thb,) = report.statements
    assert thb.opening_minor == -10_000
    assert [(e.refs.tx_id, e.kind) for e in thb.entries] == [
        ("att_day2", EntryKind.TRANSFER),
        ("att_ret2", EntryKind.RETURN),
    ]
    assert thb.closing_minor == -10_000 - 12050 + 2_000
    assert schema_errors(MessageType.CAMT_053, build_statement_report(report)) == []


def test_a_day_without_bookings_still_reports_the_home_currency() -> None:
    net = network()
    now = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)
    report = net.ledger.statement(date(2026, 11, 24) - timedelta(days=1), "QRPY", "SGD", "eod", now)
    assert [(s.currency.code, s.opening_minor, s.entries) for s in report.statements] == [
        ("SGD", 0, ())
    ]
    assert schema_errors(MessageType.CAMT_053, build_statement_report(report)) == []
