"""camt.053: the end-of-day statement validates, reads back, and its balances add up."""

from __future__ import annotations

from datetime import date

import pytest

from qrpay.connectors.iso20022.documents import DocumentInvalid, MessageType
from qrpay.connectors.iso20022.statement import (
    Entry,
    EntryKind,
    Statement,
    StatementReport,
    build_statement_report,
    parse_statement_report,
)
from qrpay.domain.currency import currency
from qrpay.domain.money import Money
from tests.unit.connectors.iso20022 import samples
from tests.unit.connectors.iso20022.samples import CREATED_AT, schema_errors

DAY = date(2026, 11, 24)


def _report() -> StatementReport:
    thb = Statement(
        id="STMT-THB-20261124",
        account="QRPY-SETTLEMENT",
        currency=currency("THB"),
        day=DAY,
        opening_minor=-1_000,
        entries=(
            Entry(samples.refs("att_0001"), Money.of(12050, "THB"), EntryKind.TRANSFER, DAY),
            Entry(samples.refs("att_0002", None), Money.of(2050, "THB"), EntryKind.RETURN, DAY),
        ),
    )
    jpy = Statement("STMT-JPY-20261124", "QRPY-SETTLEMENT", currency("JPY"), DAY, 0, ())
    return StatementReport("sim_eod_20261124", CREATED_AT, (thb, jpy))


def test_the_statement_validates_against_the_official_xsd() -> None:
    assert schema_errors(MessageType.CAMT_053, build_statement_report(_report())) == []


def test_the_statement_reads_back_as_written() -> None:
    report = _report()
    assert parse_statement_report(build_statement_report(report)) == report


def test_transfers_are_debits_returns_credits_and_the_closing_balance_adds_up() -> None:
    thb = _report().statements[0]
    assert [e.signed_minor for e in thb.entries] == [-12050, 2050]
    assert thb.closing_minor == -1_000 - 12050 + 2050


def test_a_statement_whose_closing_balance_does_not_add_up_is_refused() -> None:
    data = build_statement_report(_report())
    tampered = data.replace(b">110.00</Amt><CdtDbtInd>DBIT", b">110.01</Amt><CdtDbtInd>DBIT")
    assert tampered != data
    with pytest.raises(DocumentInvalid, match="does not add up"):
        parse_statement_report(tampered)
