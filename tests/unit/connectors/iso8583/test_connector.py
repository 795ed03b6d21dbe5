"""Iso8583Connector over a scripted transport, and over a real Connection on fake streams."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from qrpay.connectors.base import (
    Card,
    CardAcceptor,
    Connector,
    NetworkReference,
    NotSupported,
    Operation,
    Outcome,
    PaymentRequest,
)
from qrpay.connectors.iso8583 import messages
from qrpay.connectors.iso8583.connection import Connection, ConnectionLimits
from qrpay.connectors.iso8583.connector import AcquirerConfig, Iso8583Connector
from qrpay.connectors.iso8583.messages import Message
from qrpay.connectors.iso8583.reversals import ReversalPolicy, ReversalStatus, SqliteReversalStore
from qrpay.connectors.iso8583.spec import Mti
from qrpay.connectors.iso8583.stan import FileStanAllocator
from qrpay.connectors.iso8583.transport import NoAnswer, NotSent, Transport
from qrpay.domain.ids import AttemptId, MerchantId, PaymentId
from qrpay.domain.money import Money
from tests.fakes.clock import FakeClock
from tests.fakes.iso8583 import (
    KEY,
    Answer,
    Script,
    ScriptedAcquirer,
    ScriptedTransport,
    approve,
)

POLICY = ReversalPolicy(timeout_ms=200, backoff_ms_min=10, poll_ms=10, armed_stale_ms=5_000)
CONFIG = AcquirerConfig(name="acquirer", acquirer_id="12345", connector_timeout_ms=100)


def _request(amount_minor: int = 1000, original: NetworkReference | None = None) -> PaymentRequest:
    return PaymentRequest(
        PaymentId("pay_1"),
        AttemptId("att_1"),
        MerchantId("mer_1"),
        Money.of(amount_minor, "THB"),
        None,
        acceptor=CardAcceptor("TERM0001", "MERCHANT000001", "5812"),
        card=Card("4111111111111111", "2812") if original is None else None,
        original=original,
    )


def _connector(tmp_path: Path, transport: Transport, clock: FakeClock) -> Iso8583Connector:
    return Iso8583Connector(
        transport,
        FileStanAllocator(tmp_path / "stan.json"),
        SqliteReversalStore(tmp_path / "reversals.sqlite3"),
        clock.now,
        CONFIG,
        POLICY,
        random.Random(1),
    )


def _answer(code: str) -> Script:
    def script(request: Message) -> Answer:
        if request.mti in (Mti.AUTHORIZATION_REQUEST, Mti.FINANCIAL_REQUEST):
            return messages.response(request, code)
        return approve(request)

    return script


def test_it_declares_every_operation_but_inquire(tmp_path: Path) -> None:
    connector: Connector = _connector(tmp_path, ScriptedTransport(), FakeClock())

    assert connector.spec.operations == set(Operation) - {Operation.INQUIRE}
    assert not connector.spec.closed_loop


async def test_an_approval_keeps_code_authorization_and_reference(tmp_path: Path) -> None:
    transport = ScriptedTransport()
    connector = _connector(tmp_path, transport, FakeClock())

    result = await connector.authorize(_request())

    assert (result.outcome, result.network_code) == (Outcome.APPROVED, "00")
    assert result.authorization_code == "A00001"
    assert result.reference is not None
    assert result.reference.reference == transport.sent[0].get(37)
    assert "f2" not in result.reference.data, "no card number on the attempt"
    assert await connector.worker.store.due(FakeClock().now(), FakeClock().now(), 10) == []


@pytest.mark.parametrize(
    ("code", "outcome"),
    [("05", Outcome.DECLINED_HARD), ("51", Outcome.DECLINED_SOFT), ("91", Outcome.DECLINED_SOFT)],
)
async def test_declines_keep_their_raw_code(tmp_path: Path, code: str, outcome: Outcome) -> None:
    connector = _connector(tmp_path, ScriptedTransport(_answer(code)), FakeClock())

    result = await connector.sale(_request())

    assert (result.outcome, result.network_code) == (outcome, code)
    assert result.message == messages.describe(code)


async def test_not_sent_is_a_soft_decline_with_nothing_to_reverse(tmp_path: Path) -> None:
    clock = FakeClock()
    connector = _connector(tmp_path, ScriptedTransport(lambda _: NotSent("refused")), clock)

    result = await connector.authorize(_request())
    clock.advance(minutes=10)

    assert result.outcome is Outcome.DECLINED_SOFT
    assert result.network_code == ""
    assert await connector.worker.store.due(clock.now(), clock.now(), 10) == []


async def test_no_answer_is_unknown_and_queues_a_reversal(tmp_path: Path) -> None:
    clock = FakeClock()
    transport = ScriptedTransport(lambda _: NoAnswer("silence"))
    connector = _connector(tmp_path, transport, clock)

    result = await connector.authorize(_request())
    due = await connector.worker.store.due(clock.now(), clock.now(), 10)

    assert result.outcome is Outcome.UNKNOWN
    assert [r.id for r in due] == [f"TERM0001-{transport.sent[0].get(7)}-{transport.sent[0].stan}"]
    assert due[0].status is ReversalStatus.DUE
    assert due[0].payment_id == "pay_1"


async def test_the_queued_reversal_goes_out_as_0400_naming_the_request(tmp_path: Path) -> None:
    clock = FakeClock()
    transport = ScriptedTransport(lambda _: NoAnswer("silence"))
    connector = _connector(tmp_path, transport, clock)
    await connector.authorize(_request())

    transport.script = approve
    acknowledged = await connector.worker.run_once()

    reversal = transport.sent[-1]
    assert acknowledged == 1
    assert reversal.mti is Mti.REVERSAL_REQUEST
    assert reversal.get(39) == "68"
    assert messages.split_original_data(reversal.require(90))[1] == transport.sent[0].stan


async def test_a_partial_approval_is_unknown_and_reversed(tmp_path: Path) -> None:
    clock = FakeClock()
    connector = _connector(tmp_path, ScriptedTransport(_answer("10")), clock)

    result = await connector.sale(_request())

    assert (result.outcome, result.network_code) == (Outcome.UNKNOWN, "10")
    assert len(await connector.worker.store.due(clock.now(), clock.now(), 10)) == 1


async def test_capture_completes_the_authorization_it_names(tmp_path: Path) -> None:
    transport = ScriptedTransport()
    connector = _connector(tmp_path, transport, FakeClock())
    authorized = await connector.authorize(_request())

    captured = await connector.capture(_request(600, authorized.reference))

    capture = transport.sent[-1]
    assert captured.outcome is Outcome.APPROVED
    assert (capture.mti, capture.get(25), capture.get(38)) == (
        Mti.FINANCIAL_REQUEST,
        "06",
        "A00001",
    )
    assert capture.get(4) == "000000000600"
    assert messages.split_original_data(capture.require(90))[1] == transport.sent[0].stan


async def test_void_reverses_the_authorization_with_reason_17(tmp_path: Path) -> None:
    transport = ScriptedTransport()
    connector = _connector(tmp_path, transport, FakeClock())
    authorized = await connector.authorize(_request())

    voided = await connector.void(_request(original=authorized.reference))

    assert (voided.outcome, voided.network_code) == (Outcome.APPROVED, "00")
    assert (transport.sent[-1].mti, transport.sent[-1].get(39)) == (Mti.REVERSAL_REQUEST, "17")


async def test_an_unanswered_void_is_pending_and_stays_queued(tmp_path: Path) -> None:
    clock = FakeClock()
    transport = ScriptedTransport()
    connector = _connector(tmp_path, transport, clock)
    authorized = await connector.authorize(_request())
    transport.script = lambda _: NoAnswer("silence")

    voided = await connector.void(_request(original=authorized.reference))
    clock.advance(minutes=1)

    assert voided.outcome is Outcome.PENDING
    assert len(await connector.worker.store.due(clock.now(), clock.now(), 10)) == 1


async def test_refund_by_reference_is_a_0200_with_processing_code_20(tmp_path: Path) -> None:
    transport = ScriptedTransport()
    connector = _connector(tmp_path, transport, FakeClock())
    sold = await connector.sale(_request())

    refunded = await connector.refund(_request(400, sold.reference))

    assert refunded.outcome is Outcome.APPROVED
    assert (transport.sent[-1].get(3), transport.sent[-1].get(2)) == ("200000", None)


async def test_inquire_is_not_supported(tmp_path: Path) -> None:
    connector = _connector(tmp_path, ScriptedTransport(), FakeClock())

    with pytest.raises(NotSupported, match="inquire"):
        await connector.inquire(_request())


async def test_health_is_an_echo(tmp_path: Path) -> None:
    up = await _connector(tmp_path, ScriptedTransport(), FakeClock()).health()
    down = await _connector(
        tmp_path, ScriptedTransport(lambda _: NotSent("no link")), FakeClock()
    ).health()

    assert (up.up, down.up) == (True, False)
    assert "no link" in down.detail


async def test_over_a_connection_a_timeout_is_reversed_once_the_network_answers(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    acquirer = ScriptedAcquirer(mode="hold")
    stans = FileStanAllocator(tmp_path / "stan.json")
    limits = ConnectionLimits(connect_wait_ms=500, backoff_ms_min=10)
    connection = Connection(acquirer.dial, KEY, stans, clock.now, limits)
    store = SqliteReversalStore(tmp_path / "reversals.sqlite3")
    connector = Iso8583Connector(connection, stans, store, clock.now, CONFIG, POLICY)

    async with connector:
        result = await connector.authorize(_request())
        acquirer.mode = "approve"
        async with asyncio.timeout(2):
            while await _status(store, _reversal_id(acquirer)) is not ReversalStatus.ACKNOWLEDGED:
                await asyncio.sleep(0.005)

    assert result.outcome is Outcome.UNKNOWN
    assert [m.mti for m in acquirer.financial()] == [
        Mti.AUTHORIZATION_REQUEST,
        Mti.REVERSAL_REQUEST,
    ]


async def _status(store: SqliteReversalStore, reversal_id: str) -> ReversalStatus | None:
    found = await store.get(reversal_id)
    return None if found is None else found.status


def _reversal_id(acquirer: ScriptedAcquirer) -> str:
    request = acquirer.financial()[0]
    return f"TERM0001-{request.get(7)}-{request.stan}"
