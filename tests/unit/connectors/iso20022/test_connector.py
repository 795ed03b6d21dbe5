"""The connector against a scripted network (``httpx.MockTransport``): no socket, no waiting."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
import pytest

from qrpay.connectors.base import Connector, NotSupported, Operation, Outcome, PaymentRequest
from qrpay.connectors.iso20022 import documents, replies
from qrpay.connectors.iso20022.connector import (
    InstantConfig,
    Iso20022Connector,
    Payee,
    Payer,
    ReturnRequest,
    TransferRequest,
    transfer_references,
)
from qrpay.connectors.iso20022.documents import MessageType
from qrpay.connectors.iso20022.messages import StatusReport
from qrpay.connectors.iso20022.transport import HttpTransport, TransportConfig
from qrpay.domain.ids import AttemptId, MerchantId, PaymentId, WalletId
from qrpay.domain.money import Money
from tests.unit.connectors.iso20022 import samples
from tests.unit.connectors.iso20022.samples import schema_errors

Action = str
"""What the scripted network does with one request: a pacs.002 status ("ACSC"), a
rejection ("RJCT:AC01"), or a fault: "timeout", "close", "refuse", "garbage", "other-tx",
"http-400", "http-503"."""


@dataclass
class ScriptedNetwork:
    """Answers each pacs.008/pacs.004 and each pacs.028 with the next scripted action."""

    transfers: list[Action]
    inquiries: list[Action] = field(default_factory=list)
    received: list[tuple[MessageType, bytes]] = field(default_factory=list)

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/health":
            return httpx.Response(200, text="ok")
        body = request.content
        message, _ = documents.parse(body)
        assert schema_errors(message, body) == [], "the connector sent an invalid document"
        self.received.append((message, body))
        script = self.inquiries if message is MessageType.PACS_028 else self.transfers
        return self._act(script.pop(0), message, body, request)

    def _act(
        self, action: Action, message: MessageType, body: bytes, request: httpx.Request
    ) -> httpx.Response:
        faults = {
            "timeout": httpx.ReadTimeout("no answer", request=request),
            "close": httpx.RemoteProtocolError("server disconnected", request=request),
            "refuse": httpx.ConnectError("connection refused", request=request),
        }
        if action in faults:
            raise faults[action]
        if action.startswith("http-"):
            return httpx.Response(int(action[5:]), text="no")
        if action == "garbage":
            return httpx.Response(200, content=b"\x00\x17garbage\xff")
        if action == "other-tx":
            other = samples.refs("att_OTHER")
            report = StatusReport("net_1", samples.CREATED_AT, other, MessageType.PACS_008, "ACSC")
        else:
            tx_status, _, reason = action.partition(":")
            report = self._report(message, body, tx_status, reason or None)
        return httpx.Response(200, content=replies.build_status_report(report))

    @staticmethod
    def _report(
        message: MessageType, body: bytes, tx_status: str, reason: str | None
    ) -> StatusReport:
        original: MessageType = message
        if message is MessageType.PACS_008:
            refs = replies.parse_credit_transfer(body).refs
        elif message is MessageType.PACS_028:
            asked = replies.parse_status_request(body)
            refs, original = asked.original, asked.original_message
        else:
            refs = replies.parse_return(body).references
        return StatusReport("net_1", samples.CREATED_AT, refs, original, tx_status, reason)

    def sent(self, message: MessageType) -> list[bytes]:
        return [body for m, body in self.received if m is message]


@dataclass
class Harness:
    network: ScriptedNetwork
    connector: Iso20022Connector
    pauses_s: list[float]


def harness(transfers: list[Action], inquiries: list[Action] | None = None) -> Harness:
    network = ScriptedNetwork(transfers, inquiries or [])
    pauses_s: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses_s.append(seconds)

    transport = HttpTransport(
        TransportConfig("http://network.test", http_timeout_ms=1_000, retries_max=1),
        httpx.MockTransport(network.handler),
        sleep=sleep,
    )
    config = InstantConfig("PROMPTPAY", samples.GATEWAY_AGENT, inquiries_max=3)
    connector = Iso20022Connector(config, transport, lambda: samples.CREATED_AT, sleep)
    return Harness(network, connector, pauses_s)


def transfer_request(amount_minor: int = 12050) -> TransferRequest:
    return TransferRequest(
        payment_id=PaymentId("pay_0001"),
        attempt_id=AttemptId("att_0001"),
        merchant_id=MerchantId("mer_external"),
        amount=Money.of(amount_minor, "THB"),
        payer_wallet_id=WalletId("wal_0001"),
        payer=Payer("Ann Payer", "acc_wallet_0001"),
        payee=Payee("Somtam Corner", "0066812345678", "mobile"),
        uetr=samples.UETR,
        remittance="ORDER-0042",
    )


def return_request(amount_minor: int = 2050) -> ReturnRequest:
    return ReturnRequest(
        payment_id=PaymentId("pay_0001"),
        attempt_id=AttemptId("att_0002"),
        merchant_id=MerchantId("mer_external"),
        amount=Money.of(amount_minor, "THB"),
        payer_wallet_id=None,
        original_refs=transfer_references(transfer_request()),
        original_amount=Money.of(12050, "THB"),
    )


PLAIN = PaymentRequest(
    PaymentId("pay_0001"), AttemptId("att_0001"), MerchantId("m"), Money.of(1, "THB"), None
)


# answers on the first try


async def test_an_accepted_transfer_is_approved_with_its_ids_and_uetr() -> None:
    h = harness(["ACSC"])
    result = await h.connector.sale(transfer_request())
    assert (result.outcome, result.network_code, result.inquiries) == (Outcome.APPROVED, "ACSC", 0)
    assert result.refs == samples.refs()
    (sent,) = h.network.sent(MessageType.PACS_008)
    ct = replies.parse_credit_transfer(sent)
    assert (ct.refs.end_to_end_id, ct.refs.tx_id, ct.refs.uetr) == (
        "pay_0001",
        "att_0001",
        samples.UETR,
    )
    assert ct.amount == Money.of(12050, "THB")
    assert ct.creditor.account.proxy == "0066812345678"
    assert h.pauses_s == []


@pytest.mark.parametrize(
    ("action", "outcome", "code"),
    [
        ("RJCT:AC01", Outcome.DECLINED_HARD, "AC01"),
        ("RJCT:AC04", Outcome.DECLINED_HARD, "AC04"),
        ("RJCT:AM04", Outcome.DECLINED_SOFT, "AM04"),
        ("RJCT:AB05", Outcome.DECLINED_SOFT, "AB05"),
        ("RJCT", Outcome.DECLINED_HARD, "RJCT"),
    ],
)
async def test_a_rejection_maps_to_its_decline_without_an_inquiry(
    action: Action, outcome: Outcome, code: str
) -> None:
    h = harness([action])
    result = await h.connector.sale(transfer_request())
    assert (result.outcome, result.network_code, result.reason) == (
        outcome,
        code,
        code if ":" in action else None,
    )
    assert h.network.sent(MessageType.PACS_028) == []


async def test_a_refused_connection_declines_softly_and_nothing_is_asked_later() -> None:
    h = harness(["refuse"])
    result = await h.connector.sale(transfer_request())
    assert (result.outcome, result.network_code) == (Outcome.DECLINED_SOFT, "NOT_DELIVERED")
    assert h.network.sent(MessageType.PACS_028) == []


async def test_a_document_refused_at_the_door_is_a_hard_decline() -> None:
    h = harness(["http-400"])
    result = await h.connector.sale(transfer_request())
    assert (result.outcome, result.network_code) == (Outcome.DECLINED_HARD, "HTTP_REFUSED")


# no usable answer: inquire


@pytest.mark.parametrize("fault", ["timeout", "close", "http-503", "garbage", "other-tx"])
async def test_no_usable_answer_is_resolved_by_an_inquiry(fault: Action) -> None:
    # Given a network that loses the answer to the pacs.008 but knows the transfer
    h = harness([fault], inquiries=["ACSC"])
    # When the gateway sells
    result = await h.connector.sale(transfer_request())
    # Then one pacs.028 about the same transaction settles it, and the pacs.008 went once
    assert (result.outcome, result.network_code, result.inquiries) == (Outcome.APPROVED, "ACSC", 1)
    assert len(h.network.sent(MessageType.PACS_008)) == 1
    (inquiry,) = h.network.sent(MessageType.PACS_028)
    asked = replies.parse_status_request(inquiry)
    assert asked.original == samples.refs()
    assert asked.original_message is MessageType.PACS_008


async def test_an_inquiry_can_reveal_a_rejection() -> None:
    h = harness(["garbage"], inquiries=["RJCT:AC01"])
    result = await h.connector.sale(transfer_request())
    assert (result.outcome, result.network_code, result.inquiries) == (
        Outcome.DECLINED_HARD,
        "AC01",
        1,
    )


async def test_a_transfer_the_network_never_received_is_a_soft_decline() -> None:
    h = harness(["close"], inquiries=["RJCT:NOOR"])
    result = await h.connector.sale(transfer_request())
    assert (result.outcome, result.network_code) == (Outcome.DECLINED_SOFT, "NOOR")


async def test_a_pending_answer_is_followed_until_it_settles() -> None:
    h = harness(["ACSP"], inquiries=["PDNG", "ACSC"])
    result = await h.connector.sale(transfer_request())
    assert (result.outcome, result.inquiries) == (Outcome.APPROVED, 2)


async def test_inquiries_stop_at_their_limit_with_doubling_capped_pauses() -> None:
    # Each inquiry is tried twice by the transport (retries_max=1) before it counts as lost.
    h = harness(["timeout"], inquiries=["timeout"] * 6)
    result = await h.connector.sale(transfer_request())
    assert (result.outcome, result.inquiries) == (Outcome.UNKNOWN, 3)
    assert len(h.network.sent(MessageType.PACS_028)) == 6
    assert len(h.network.sent(MessageType.PACS_008)) == 1
    inquiry_pauses = [p for p in h.pauses_s if p != 0.1]
    assert inquiry_pauses == [0.2, 0.4, 0.8]


async def test_a_pending_answer_is_kept_when_later_inquiries_get_none() -> None:
    h = harness(["ACSP"], inquiries=["timeout"] * 6)
    result = await h.connector.sale(transfer_request())
    assert (result.outcome, result.network_code) == (Outcome.PENDING, "ACSP")


async def test_an_unreachable_network_leaves_an_unknown_transfer_unknown() -> None:
    h = harness(["timeout"], inquiries=["refuse"] * 6)
    result = await h.connector.sale(transfer_request())
    assert (result.outcome, result.inquiries) == (Outcome.UNKNOWN, 3)


async def test_a_lost_inquiry_is_retried_by_the_transport() -> None:
    h = harness(["timeout"], inquiries=["timeout", "ACSC"])
    result = await h.connector.sale(transfer_request())
    assert (result.outcome, result.inquiries) == (Outcome.APPROVED, 1)
    assert len(h.network.sent(MessageType.PACS_028)) == 2


# refunds, inquiries, the rest of the contract


async def test_a_refund_sends_a_pacs004_returning_part_of_the_transfer() -> None:
    h = harness(["ACSC"])
    result = await h.connector.refund(return_request(2050))
    assert result.outcome is Outcome.APPROVED
    (sent,) = h.network.sent(MessageType.PACS_004)
    rtr = replies.parse_return(sent)
    assert rtr.original == samples.refs()
    assert (rtr.returned, rtr.original_amount) == (Money.of(2050, "THB"), Money.of(12050, "THB"))
    assert (rtr.return_id, rtr.reason) == ("att_0002", "CUST")


async def test_a_refund_without_an_answer_is_inquired_as_a_return() -> None:
    h = harness(["timeout"], inquiries=["ACSC"])
    result = await h.connector.refund(return_request())
    assert (result.outcome, result.inquiries) == (Outcome.APPROVED, 1)
    (inquiry,) = h.network.sent(MessageType.PACS_028)
    assert replies.parse_status_request(inquiry).original_message is MessageType.PACS_004


async def test_inquire_sends_one_status_request() -> None:
    h = harness([], inquiries=["RJCT:AB05"])
    result = await h.connector.inquire(transfer_request())
    assert (result.outcome, result.network_code) == (Outcome.DECLINED_SOFT, "AB05")
    assert len(h.network.received) == 1


async def test_authorize_on_an_instant_network_is_a_sale() -> None:
    h = harness(["ACSC"])
    assert (await h.connector.authorize(transfer_request())).outcome is Outcome.APPROVED


@pytest.mark.parametrize("operation", ["capture", "void", "reverse", "sale", "refund", "inquire"])
async def test_what_the_network_cannot_do_is_not_supported(operation: str) -> None:
    # A plain PaymentRequest lacks the payee (sale), the original (refund, inquire).
    connector = harness([]).connector
    with pytest.raises(NotSupported):
        await getattr(connector, operation)(PLAIN)


async def test_health_is_up_when_the_network_answers_and_down_when_it_cannot() -> None:
    h = harness([])
    assert (await h.connector.health()).up

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    down = Iso20022Connector(
        InstantConfig("PROMPTPAY", samples.GATEWAY_AGENT),
        HttpTransport(TransportConfig("http://network.test"), httpx.MockTransport(refuse)),
        lambda: samples.CREATED_AT,
        h.connector._sleep,
    )
    health = await down.health()
    assert not health.up
    assert "could not reach" in health.detail


def test_the_connector_declares_what_it_supports() -> None:
    # Assigning to the protocol makes mypy check the connector against the contract.
    contract: Connector = harness([]).connector
    spec = contract.spec
    assert spec.operations == {Operation.SALE, Operation.REFUND, Operation.INQUIRE}
    assert not spec.closed_loop
