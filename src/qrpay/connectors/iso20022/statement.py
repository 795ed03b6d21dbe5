"""Pure camt.053: the network's end-of-day statement of a participant's settlement account.

One ``Stmt`` per currency and business day. A transfer the participant sent is a debit, a
return of one a credit; each entry carries the transaction's ids (MsgId, InstrId,
EndToEndId, UETR, TxId) so reconciliation matches it to the gateway's ledger by UETR or
TxId. Balances are signed minor units here and written as an amount with ``CRDT`` or
``DBIT``; the closing balance is the opening one plus the day's entries, asserted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Final

from qrpay.connectors.iso20022 import documents
from qrpay.connectors.iso20022.documents import DocumentInvalid, Element, MessageType, Writer
from qrpay.connectors.iso20022.messages import (
    References,
    encode,
    read_amount,
    read_document,
    write_amount,
    write_header,
)
from qrpay.domain.currency import Currency, currency
from qrpay.domain.money import Money

ENTRY_BOOKED: Final = "BOOK"
DOMAIN_PAYMENTS: Final = "PMNT"
FAMILY_ISSUED_CREDIT_TRANSFERS: Final = "ICDT"
ENTRIES_PER_STATEMENT_MAX: Final = 100_000


class EntryKind(StrEnum):
    """The ISO bank transaction sub-family of an entry."""

    TRANSFER = "DMCT"
    """Domestic credit transfer (a pacs.008 the participant sent): a debit."""
    RETURN = "RRTN"
    """Reversal due to a payment return (a pacs.004): a credit."""


@dataclass(frozen=True, slots=True)
class Entry:
    refs: References
    amount: Money
    kind: EntryKind
    booked_on: date

    @property
    def credit(self) -> bool:
        return self.kind is EntryKind.RETURN

    @property
    def signed_minor(self) -> int:
        return self.amount.amount_minor if self.credit else -self.amount.amount_minor


@dataclass(frozen=True, slots=True)
class Statement:
    id: str
    account: str
    currency: Currency
    day: date
    opening_minor: int
    """Signed: positive is a credit balance."""
    entries: tuple[Entry, ...]

    def __post_init__(self) -> None:
        assert len(self.entries) <= ENTRIES_PER_STATEMENT_MAX
        assert all(e.amount.currency == self.currency for e in self.entries)
        assert all(e.booked_on == self.day for e in self.entries)

    @property
    def closing_minor(self) -> int:
        return self.opening_minor + sum(e.signed_minor for e in self.entries)


@dataclass(frozen=True, slots=True)
class StatementReport:
    msg_id: str
    created_at: datetime
    statements: tuple[Statement, ...]


def build_statement_report(report: StatementReport) -> bytes:
    assert report.statements, "camt.053 holds at least one statement"
    w = Writer(MessageType.CAMT_053)
    body = w.add(w.root, "BkToCstmrStmt")
    write_header(w, body, report.msg_id, report.created_at)
    for statement in report.statements:
        _write_statement(w, body, statement, report.created_at)
    return encode(w)


def _write_statement(w: Writer, body: Element, s: Statement, created_at: datetime) -> None:
    element = w.add(body, "Stmt")
    w.add(element, "Id", s.id)
    w.add(element, "CreDtTm", documents.iso_datetime(created_at))
    account = w.add(element, "Acct")
    w.path(account, "Id/Othr/Id", s.account)
    w.add(account, "Ccy", s.currency.code)
    _write_balance(w, element, "OPBD", s.opening_minor, s)
    _write_balance(w, element, "CLBD", s.closing_minor, s)
    _write_summary(w, element, s)
    for entry in s.entries:
        _write_entry(w, element, entry)


def _direction(signed_minor: int) -> str:
    return "CRDT" if signed_minor >= 0 else "DBIT"


def _write_balance(w: Writer, parent: Element, kind: str, signed_minor: int, s: Statement) -> None:
    balance = w.add(parent, "Bal")
    w.path(balance, "Tp/CdOrPrtry/Cd", kind)
    write_amount(w, balance, "Amt", Money(abs(signed_minor), s.currency))
    w.add(balance, "CdtDbtInd", _direction(signed_minor))
    w.path(balance, "Dt/Dt", s.day.isoformat())


def _write_summary(w: Writer, parent: Element, s: Statement) -> None:
    def text(minor: int) -> str:
        return Money(minor, s.currency).format()

    summary = w.add(parent, "TxsSummry")
    total = w.add(summary, "TtlNtries")
    w.add(total, "NbOfNtries", str(len(s.entries)))
    w.add(total, "Sum", text(sum(e.amount.amount_minor for e in s.entries)))
    net = s.closing_minor - s.opening_minor
    net_entry = w.add(total, "TtlNetNtry")
    w.add(net_entry, "Amt", text(abs(net)))
    w.add(net_entry, "CdtDbtInd", _direction(net))
    for tag, credit in (("TtlCdtNtries", True), ("TtlDbtNtries", False)):
        side = [e.amount.amount_minor for e in s.entries if e.credit is credit]
        element = w.add(summary, tag)
        w.add(element, "NbOfNtries", str(len(side)))
        w.add(element, "Sum", text(sum(side)))


def _write_entry(w: Writer, parent: Element, entry: Entry) -> None:
    element = w.add(parent, "Ntry")
    w.add(element, "NtryRef", entry.refs.tx_id)
    write_amount(w, element, "Amt", entry.amount)
    w.add(element, "CdtDbtInd", _direction(entry.signed_minor))
    w.path(element, "Sts/Cd", ENTRY_BOOKED)
    w.path(element, "BookgDt/Dt", entry.booked_on.isoformat())
    w.path(element, "ValDt/Dt", entry.booked_on.isoformat())
    code = w.add(w.add(element, "BkTxCd"), "Domn")
    w.add(code, "Cd", DOMAIN_PAYMENTS)
    family = w.add(code, "Fmly")
    w.add(family, "Cd", FAMILY_ISSUED_CREDIT_TRANSFERS)
    w.add(family, "SubFmlyCd", entry.kind.value)
    refs = w.add(w.add(w.add(element, "NtryDtls"), "TxDtls"), "Refs")
    w.add(refs, "MsgId", entry.refs.msg_id)
    w.add(refs, "InstrId", entry.refs.instr_id)
    w.add(refs, "EndToEndId", entry.refs.end_to_end_id)
    if entry.refs.uetr is not None:
        w.add(refs, "UETR", str(entry.refs.uetr))
    w.add(refs, "TxId", entry.refs.tx_id)


def parse_statement_report(data: bytes) -> StatementReport:
    """Read a camt.053 back (reconciliation's side); its balances must add up."""
    r = read_document(data, MessageType.CAMT_053)
    header = r.one("BkToCstmrStmt/GrpHdr")
    statements = tuple(_read_statement(r, s) for s in r.all("BkToCstmrStmt/Stmt"))
    return StatementReport(
        msg_id=r.text("MsgId", header),
        created_at=documents.parse_datetime(r.text("CreDtTm", header)),
        statements=statements,
    )


def _read_statement(r: documents.Reader, element: Element) -> Statement:
    unit = currency(r.text("Acct/Ccy", element))
    balances = {r.text("Tp/CdOrPrtry/Cd", b): b for b in r.all("Bal", element)}
    if set(balances) != {"OPBD", "CLBD"}:
        raise DocumentInvalid(f"expected OPBD and CLBD balances, found {sorted(balances)}")
    day = documents.parse_date(r.text("Dt/Dt", balances["OPBD"]))
    statement = Statement(
        id=r.text("Id", element),
        account=r.text("Acct/Id/Othr/Id", element),
        currency=unit,
        day=day,
        opening_minor=_read_signed(r, balances["OPBD"]),
        entries=tuple(_read_entry(r, e) for e in r.all("Ntry", element)),
    )
    if statement.closing_minor != _read_signed(r, balances["CLBD"]):
        raise DocumentInvalid(f"statement {statement.id}: closing balance does not add up")
    return statement


def _read_signed(r: documents.Reader, balance: Element) -> int:
    minor = read_amount(r, "Amt", balance).amount_minor
    return minor if r.text("CdtDbtInd", balance) == "CRDT" else -minor


def _read_entry(r: documents.Reader, element: Element) -> Entry:
    refs = r.one("NtryDtls/TxDtls/Refs", element)
    uetr = r.optional("UETR", refs)
    sub_family = r.text("BkTxCd/Domn/Fmly/SubFmlyCd", element)
    if sub_family not in EntryKind.__members__.values():
        raise DocumentInvalid(f"entry sub-family {sub_family!r} is not one this network books")
    return Entry(
        refs=References(
            msg_id=r.text("MsgId", refs),
            instr_id=r.text("InstrId", refs),
            end_to_end_id=r.text("EndToEndId", refs),
            tx_id=r.text("TxId", refs),
            uetr=documents.parse_uuid(uetr) if uetr else None,
        ),
        amount=read_amount(r, "Amt", element),
        kind=EntryKind(sub_family),
        booked_on=documents.parse_date(r.text("BookgDt/Dt", element)),
    )
