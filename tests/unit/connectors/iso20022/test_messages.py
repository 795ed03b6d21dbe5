"""ISO 20022 messages: every one validates against the official XSD and reads back as written."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from qrpay.connectors.base import Outcome
from qrpay.connectors.iso20022 import documents, messages, replies
from qrpay.connectors.iso20022.documents import DocumentInvalid, MessageType
from qrpay.connectors.iso20022.messages import (
    Account,
    PaymentReturn,
    StatusReport,
    StatusRequest,
    account_from_qr,
)
from qrpay.domain.currency import currency
from qrpay.domain.money import AMOUNT_MINOR_MAX, Money
from tests.unit.connectors.iso20022 import samples
from tests.unit.connectors.iso20022.samples import CREATED_AT, schema_errors

NS008 = {"d": MessageType.PACS_008.namespace}


def _status_report(tx_status: str = "ACSC", reason: str | None = None) -> StatusReport:
    return StatusReport(
        msg_id="sim_rep_0001",
        created_at=CREATED_AT,
        original=samples.refs(),
        original_message=MessageType.PACS_008,
        tx_status=tx_status,
        reason=reason,
        additional_info="incorrect account number" if reason else None,
    )


def _return() -> PaymentReturn:
    return PaymentReturn(
        msg_id="att_0002",
        return_id="att_0002",
        created_at=CREATED_AT,
        original=samples.refs(),
        original_amount=Money.of(12050, "THB"),
        returned=Money.of(2050, "THB"),
        settlement_date=samples.BUSINESS_DAY,
        reason="CUST",
        clearing_system="PROMPTPAY",
    )


def _status_request() -> StatusRequest:
    return StatusRequest("inq_0001", CREATED_AT, samples.refs(), MessageType.PACS_008)


# every produced message validates against the test copy of its XSD


@pytest.mark.parametrize(
    ("message", "data"),
    [
        (MessageType.PACS_008, lambda: messages.build_credit_transfer(samples.credit_transfer())),
        (MessageType.PACS_028, lambda: messages.build_status_request(_status_request())),
        (MessageType.PACS_004, lambda: messages.build_return(_return())),
        (MessageType.PACS_002, lambda: replies.build_status_report(_status_report())),
        (MessageType.PACS_002, lambda: replies.build_status_report(_status_report("RJCT", "AC01"))),
    ],
    ids=["pacs.008", "pacs.028", "pacs.004", "pacs.002-accepted", "pacs.002-rejected"],
)
def test_every_produced_message_validates_against_the_official_xsd(
    message: MessageType, data: Callable[[], bytes]
) -> None:
    assert schema_errors(message, data()) == []


@pytest.mark.parametrize(
    ("account", "account_type"),
    [
        ("0066812345678", "mobile"),
        ("1234567890123", "national_id"),
        ("201403121W", "uen"),
        ("ann@example.com", "email"),
        ("123e4567-e89b-42d3-a456-426614174000", "random_key"),
        ("1234567890", "bank_account"),
        ("1" * 43, "bank_account"),
        ("MBBEMYKL0001", None),
    ],
)
def test_a_pacs008_to_any_qr_account_kind_validates(account: str, account_type: str | None) -> None:
    ct = samples.credit_transfer(creditor_account=account_from_qr(account, account_type))
    assert schema_errors(MessageType.PACS_008, messages.build_credit_transfer(ct)) == []


def test_xmlschema_agrees_that_a_pacs008_is_valid() -> None:
    # A second, independent validator (pure Python), so a bug in one cannot hide.
    # Imported here: it is slow to import and only this test needs it.
    import xmlschema

    xsd = xmlschema.XMLSchema(str(samples.DATA_DIR / "pacs.008.001.09.xsd"))
    data = messages.build_credit_transfer(samples.credit_transfer())
    assert xsd.is_valid(data.decode())


# pacs.008 content


def _pacs008_text(data: bytes, path: str) -> list[str]:
    root = etree.fromstring(data)
    found = root.xpath("/d:" + "/d:".join(path.split("/")), namespaces=NS008)
    assert isinstance(found, list)
    return [e.text or "" for e in found if isinstance(e, etree._Element)]


def test_a_pacs008_carries_every_id_and_the_uetr() -> None:
    data = messages.build_credit_transfer(samples.credit_transfer())
    tx = "Document/FIToFICstmrCdtTrf/CdtTrfTxInf/PmtId"
    assert _pacs008_text(data, "Document/FIToFICstmrCdtTrf/GrpHdr/MsgId") == ["att_0001"]
    assert _pacs008_text(data, "Document/FIToFICstmrCdtTrf/GrpHdr/NbOfTxs") == ["1"]
    assert _pacs008_text(data, f"{tx}/InstrId") == ["att_0001"]
    assert _pacs008_text(data, f"{tx}/EndToEndId") == ["pay_0001"]
    assert _pacs008_text(data, f"{tx}/TxId") == ["att_0001"]
    assert _pacs008_text(data, f"{tx}/UETR") == [str(samples.UETR)]
    assert _pacs008_text(data, "Document/FIToFICstmrCdtTrf/CdtTrfTxInf/ChrgBr") == ["SLEV"]


def test_a_proxy_travels_as_prxy_and_the_account_is_not_provided() -> None:
    data = messages.build_credit_transfer(samples.credit_transfer())
    account = "Document/FIToFICstmrCdtTrf/CdtTrfTxInf/CdtrAcct"
    assert _pacs008_text(data, f"{account}/Id/Othr/Id") == ["NOTPROVIDED"]
    assert _pacs008_text(data, f"{account}/Prxy/Tp/Cd") == ["TELE"]
    assert _pacs008_text(data, f"{account}/Prxy/Id") == ["0066812345678"]


@pytest.mark.parametrize(
    ("account", "account_type", "expected"),
    [
        ("0066812345678", "mobile", Account(None, "0066812345678", "TELE")),
        ("+6591234567", "mobile", Account(None, "+6591234567", "TELE")),
        ("ann@example.com", "email", Account(None, "ann@example.com", "EMAL")),
        ("12345678901", "cpf", Account(None, "12345678901", "NIDN")),
        ("123456789012345", "ewallet", Account(None, "123456789012345", "EWAL")),
        ("201403121W", "uen", Account(None, "201403121W", "uen")),
        ("1234567890", "bank_account", Account("1234567890")),
        ("MBB0001", "merchant_account", Account("MBB0001")),
        ("1" * 35, "bank_account", Account(None, "1" * 35, "bank_account")),
        ("X1", None, Account(None, "X1", "proxy")),
    ],
)
def test_qr_account_kinds_map_to_an_account_or_a_typed_proxy(
    account: str, account_type: str | None, expected: Account
) -> None:
    assert account_from_qr(account, account_type) == expected


CURRENCIES = ("THB", "SGD", "MYR", "BRL", "JPY", "KRW", "BHD", "KWD", "IDR", "VND", "CLF")


@given(amount_minor=st.integers(1, AMOUNT_MINOR_MAX), code=st.sampled_from(CURRENCIES))
def test_the_pacs008_amount_is_exactly_the_integer_minor_amount(
    amount_minor: int, code: str
) -> None:
    money = Money.of(amount_minor, code)
    data = messages.build_credit_transfer(samples.credit_transfer(amount=money))
    root = etree.fromstring(data)
    (element,) = root.iter(f"{{{MessageType.PACS_008.namespace}}}IntrBkSttlmAmt")
    # Read with Decimal, independently of Money.parse: text times 10^exponent is the integer.
    assert element.get("Ccy") == code
    assert Decimal(element.text or "") * 10 ** currency(code).exponent == amount_minor
    assert replies.parse_credit_transfer(data).amount == money


# round trips: what one side writes, the other reads back unchanged


def test_a_credit_transfer_reads_back_as_written() -> None:
    ct = samples.credit_transfer()
    assert replies.parse_credit_transfer(messages.build_credit_transfer(ct)) == ct


def test_a_status_request_reads_back_as_written() -> None:
    request = _status_request()
    assert replies.parse_status_request(messages.build_status_request(request)) == request


def test_a_return_reads_back_as_written() -> None:
    rtr = _return()
    assert replies.parse_return(messages.build_return(rtr)) == rtr


@pytest.mark.parametrize(("tx_status", "reason"), [("ACSC", None), ("RJCT", "AC01")])
def test_a_status_report_reads_back_as_written(tx_status: str, reason: str | None) -> None:
    report = _status_report(tx_status, reason)
    assert messages.parse_status_report(replies.build_status_report(report)) == report


def test_a_status_report_without_uetr_reads_back_as_written() -> None:
    report = StatusReport("r1", CREATED_AT, samples.refs(uetr=None), MessageType.PACS_028, "PDNG")
    assert messages.parse_status_report(replies.build_status_report(report)) == report


# a pacs.002 from bytes, as a network writes it


PACS002_RJCT_AM04 = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.002.001.11">
  <FIToFIPmtStsRpt>
    <GrpHdr><MsgId>NET20261124000017</MsgId><CreDtTm>2026-11-24T09:30:15.456+07:00</CreDtTm>
    </GrpHdr>
    <TxInfAndSts>
      <OrgnlGrpInf><OrgnlMsgId>att_0001</OrgnlMsgId>
        <OrgnlMsgNmId>pacs.008.001.09</OrgnlMsgNmId></OrgnlGrpInf>
      <OrgnlInstrId>att_0001</OrgnlInstrId>
      <OrgnlEndToEndId>pay_0001</OrgnlEndToEndId>
      <OrgnlTxId>att_0001</OrgnlTxId>
      <OrgnlUETR>6f0c2f3e-1d2b-4c5a-9e8f-0a1b2c3d4e5f</OrgnlUETR>
      <TxSts>RJCT</TxSts>
      <StsRsnInf><Rsn><Cd>AM04</Cd></Rsn><AddtlInf>insufficient funds</AddtlInf></StsRsnInf>
    </TxInfAndSts>
  </FIToFIPmtStsRpt>
</Document>
"""


def test_a_network_rejection_is_read_with_its_reason_and_outcome() -> None:
    report = messages.parse_status_report(PACS002_RJCT_AM04)
    assert report.original == samples.refs()
    assert report.original_message is MessageType.PACS_008
    assert (report.tx_status, report.reason) == ("RJCT", "AM04")
    assert report.additional_info == "insufficient funds"
    assert report.outcome is Outcome.DECLINED_SOFT
    assert report.created_at.utcoffset() is not None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not well-formed"),
        (b"\x00\xff garbage", "not well-formed"),
        (b"<a>unterminated", "not well-formed"),
        (b"<Document xmlns='urn:example'/>", "not a known ISO 20022 Document"),
        (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:pacs.002.001.11'>&x;</Document>",
            "DOCTYPE",
        ),
        (PACS002_RJCT_AM04.replace(b"pacs.002.001.11", b"pacs.028.001.04"), "expected pacs.002"),
        (PACS002_RJCT_AM04.replace(b"<TxSts>RJCT</TxSts>", b""), "no transaction status"),
        (PACS002_RJCT_AM04.replace(b"<TxSts>RJCT", b"<TxSts>TOOLONG"), "schema"),
        (PACS002_RJCT_AM04.replace(b"pacs.008.001.09<", b"pacs.009.001.09<"), "not one"),
        (
            PACS002_RJCT_AM04.replace(b"</TxInfAndSts>", b"</TxInfAndSts><TxInfAndSts/>"),
            "expected one",
        ),
        (b" " * (documents.DOCUMENT_BYTES_MAX + 1), "above"),
    ],
    ids=[
        "empty",
        "binary",
        "unterminated",
        "foreign-namespace",
        "external-entity",
        "other-message",
        "no-status",
        "schema-violation",
        "unknown-original",
        "two-transactions",
        "too-large",
    ],
)
def test_a_bad_status_report_is_refused_before_any_field_is_trusted(
    data: bytes, message: str
) -> None:
    with pytest.raises(DocumentInvalid, match=message):
        messages.parse_status_report(data)


def test_an_amount_with_more_decimals_than_its_currency_is_refused() -> None:
    data = messages.build_credit_transfer(samples.credit_transfer())
    bad = data.replace(b">120.50<", b">120.505<")
    with pytest.raises(DocumentInvalid, match="decimal places"):
        replies.parse_credit_transfer(bad)


def test_a_transfer_without_uetr_is_refused_by_the_network_side() -> None:
    data = messages.build_credit_transfer(samples.credit_transfer())
    bad = data.replace(f"<UETR>{samples.UETR}</UETR>".encode(), b"")
    with pytest.raises(DocumentInvalid, match="UETR"):
        replies.parse_credit_transfer(bad)


def test_every_new_uetr_is_a_distinct_uuid4() -> None:
    uetrs = {messages.new_uetr() for _ in range(100)}
    assert len(uetrs) == 100
    assert {u.version for u in uetrs} == {4}
    assert all(str(u) == str(u).lower() for u in uetrs)


def test_a_uetr_that_is_not_version_4_is_a_programmer_error() -> None:
    with pytest.raises(AssertionError):
        samples.refs(uetr=uuid.uuid1())
