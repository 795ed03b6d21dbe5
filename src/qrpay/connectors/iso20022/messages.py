"""Pure ISO 20022 messages of the gateway's side: pacs.008, pacs.028 and pacs.004 out,
pacs.002 in. No I/O, no clock: times and ids come in as values.

One transaction per message (``NbOfTxs`` 1), settled through the clearing system
(``SttlmMtd`` CLRG), charges ``SLEV`` (the scheme's service level decides them). Amounts
are written from integer minor units with the currency's exponent ("120.50", "1000" for
JPY), read back with the same rule, and never pass through a float.

Every document is validated against its official XSD before its bytes are returned
(``encode``), so the connector cannot send a message that breaks the schema; a reply is
validated before a single field of it is trusted.

The payee comes from the QR code: a proxy (PromptPay mobile number, PayNow UEN, PIX key)
travels as ``CdtrAcct/Prxy`` with an ISO proxy type code when one fits, and the
account identification then says ``NOTPROVIDED``; an account number travels as
``CdtrAcct/Id/Othr/Id``. The creditor agent is unknown to the payer when a proxy is used:
the network resolves it, so ``CdtrAgt`` says ``NOTPROVIDED`` too.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Final

from qrpay.connectors.base import Outcome
from qrpay.connectors.iso20022 import documents, schemas, status
from qrpay.connectors.iso20022.documents import (
    DocumentInvalid,
    Element,
    MessageType,
    Reader,
    Writer,
)
from qrpay.domain.errors import MoneyError
from qrpay.domain.money import Money

NOT_PROVIDED: Final = "NOTPROVIDED"
ID_CHARS_MAX: Final = 35
"""Max35Text: every message, instruction, end-to-end and transaction id."""
ACCOUNT_ID_CHARS_MAX: Final = 34
NAME_CHARS_MAX: Final = 140
REMITTANCE_CHARS_MAX: Final = 140
CHARGES_BEARER: Final = "SLEV"
SETTLEMENT_METHOD: Final = "CLRG"

PROXY_TYPES: Final[dict[str, str]] = {
    "mobile": "TELE",
    "phone": "TELE",
    "email": "EMAL",
    "national_id": "NIDN",
    "cpf": "NIDN",
    "ewallet": "EWAL",
}
"""QR account types (``PaymentView.account_type``) with an ExternalProxyAccountType1Code.
Other proxy kinds (a PayNow UEN, a PIX random key) travel as proprietary types."""
PROXY_CODES: Final = frozenset(PROXY_TYPES.values())
ACCOUNT_TYPES: Final = frozenset({"bank_account", "account", "merchant_account"})
"""QR account types that are account numbers, not proxies."""


@dataclass(frozen=True, slots=True)
class Agent:
    """A financial institution: a BIC, or a member id in the clearing system, or neither."""

    bic: str | None = None
    member_id: str | None = None


@dataclass(frozen=True, slots=True)
class Account:
    """``CashAccount38``: an account number, or ``NOTPROVIDED`` and a proxy."""

    id: str | None
    proxy: str | None = None
    proxy_type: str | None = None

    def __post_init__(self) -> None:
        assert self.id is not None or self.proxy is not None, "an account or a proxy"
        assert self.id is None or 0 < len(self.id) <= ACCOUNT_ID_CHARS_MAX


def account_from_qr(account: str, account_type: str | None) -> Account:
    """How the account or proxy read from a QR code travels in ``CdtrAcct``."""
    if account_type in ACCOUNT_TYPES and len(account) <= ACCOUNT_ID_CHARS_MAX:
        return Account(account)
    proxy_type = PROXY_TYPES.get(account_type or "", account_type or "proxy")
    return Account(None, account, proxy_type)


@dataclass(frozen=True, slots=True)
class Party:
    name: str | None
    account: Account
    agent: Agent = field(default_factory=Agent)


@dataclass(frozen=True, slots=True)
class References:
    """The ids of one transaction, as its pacs.008 (or pacs.004) carried them."""

    msg_id: str
    instr_id: str
    end_to_end_id: str
    tx_id: str
    uetr: uuid.UUID | None = None

    def __post_init__(self) -> None:
        for value in (self.msg_id, self.instr_id, self.end_to_end_id, self.tx_id):
            assert 0 < len(value) <= ID_CHARS_MAX, value
        assert self.uetr is None or self.uetr.version == 4, "a UETR is a UUIDv4"


@dataclass(frozen=True, slots=True)
class CreditTransfer:
    """Everything a pacs.008 says about one customer credit transfer."""

    refs: References
    created_at: datetime
    amount: Money
    settlement_date: date
    debtor: Party
    creditor: Party
    clearing_system: str
    instructing_agent: Agent
    remittance: str | None = None

    def __post_init__(self) -> None:
        assert self.amount.amount_minor > 0, "a transfer moves a positive amount"
        assert self.refs.uetr is not None, "every transfer carries a UETR"


@dataclass(frozen=True, slots=True)
class StatusRequest:
    """A pacs.028: what is the status of the transaction with these references?"""

    msg_id: str
    created_at: datetime
    original: References
    original_message: MessageType


@dataclass(frozen=True, slots=True)
class PaymentReturn:
    """A pacs.004: return all or part of a settled transfer."""

    msg_id: str
    return_id: str
    created_at: datetime
    original: References
    original_amount: Money
    returned: Money
    settlement_date: date
    reason: str
    clearing_system: str

    @property
    def references(self) -> References:
        """The return's own ids, as the pacs.002 about it cites them."""
        return return_references(self.msg_id, self.return_id, self.original)

    def __post_init__(self) -> None:
        assert self.returned.currency == self.original_amount.currency
        assert 0 < self.returned.amount_minor <= self.original_amount.amount_minor
        assert 0 < len(self.reason) <= 4, "an ExternalReturnReason1Code"


def return_references(msg_id: str, return_id: str, original: References) -> References:
    """A return has no InstrId, TxId or UETR of its own: its return id and the original's."""
    return References(msg_id, return_id, original.end_to_end_id, return_id, original.uetr)


@dataclass(frozen=True, slots=True)
class StatusReport:
    """A pacs.002 about one transaction."""

    msg_id: str
    created_at: datetime
    original: References
    original_message: MessageType
    tx_status: str
    reason: str | None = None
    additional_info: str | None = None

    @property
    def outcome(self) -> Outcome:
        return status.outcome_of(self.tx_status, self.reason)


def new_uetr() -> uuid.UUID:
    """A Unique End-to-end Transaction Reference: a random UUIDv4."""
    return uuid.uuid4()


def encode(writer: Writer) -> bytes:
    """The document's bytes, once it passed its XSD; a failure is a bug in this module."""
    schemas.validate(writer.message, writer.root)
    return writer.tobytes()


# building blocks shared by every message


def amount_text(money: Money) -> str:
    assert money.amount_minor >= 0, "ISO 20022 amounts are not negative"
    return money.format()


def parse_amount(text: str, currency_code: str) -> Money:
    """An amount read back with the currency's exponent; more decimals are refused."""
    try:
        return Money.parse(text, currency_code)
    except MoneyError as exc:
        raise DocumentInvalid(f"amount {text!r} {currency_code}: {exc.message}") from exc


def write_amount(w: Writer, parent: Element, tag: str, money: Money) -> None:
    w.add(parent, tag, amount_text(money), Ccy=money.currency.code)


def read_amount(r: Reader, path: str, within: Element | None = None) -> Money:
    element = r.one(path, within)
    return parse_amount(element.text or "", element.get("Ccy") or "")


def write_agent(w: Writer, parent: Element, tag: str, agent: Agent) -> None:
    fin = w.add(w.add(parent, tag), "FinInstnId")
    if agent.bic is not None:
        w.add(fin, "BICFI", agent.bic)
    if agent.member_id is not None:
        w.path(fin, "ClrSysMmbId/MmbId", agent.member_id)
    if agent.bic is None and agent.member_id is None:
        w.path(fin, "Othr/Id", NOT_PROVIDED)


def read_agent(r: Reader, within: Element) -> Agent:
    return Agent(
        bic=r.optional("FinInstnId/BICFI", within),
        member_id=r.optional("FinInstnId/ClrSysMmbId/MmbId", within),
    )


def write_account(w: Writer, parent: Element, tag: str, account: Account) -> None:
    element = w.add(parent, tag)
    w.path(element, "Id/Othr/Id", account.id or NOT_PROVIDED)
    if account.proxy is not None:
        proxy = w.add(element, "Prxy")
        kind = account.proxy_type or "proxy"
        w.path(proxy, "Tp/Cd" if kind in PROXY_CODES else "Tp/Prtry", kind)
        w.add(proxy, "Id", account.proxy)


def read_account(r: Reader, within: Element) -> Account:
    number = r.text("Id/Othr/Id", within)
    proxy = r.optional("Prxy/Id", within)
    kind = r.optional("Prxy/Tp/Cd", within) or r.optional("Prxy/Tp/Prtry", within)
    if number == NOT_PROVIDED and proxy is None:
        raise DocumentInvalid("an account with neither a number nor a proxy")
    return Account(None if number == NOT_PROVIDED else number, proxy, kind)


def write_settlement(w: Writer, header: Element, clearing_system: str) -> None:
    settlement = w.add(header, "SttlmInf")
    w.add(settlement, "SttlmMtd", SETTLEMENT_METHOD)
    w.path(settlement, "ClrSys/Prtry", clearing_system)


def write_original(w: Writer, parent: Element, refs: References, message: MessageType) -> None:
    """``OrgnlGrpInf`` and the original ids, in the order pacs.002/028/004 all use."""
    group = w.add(parent, "OrgnlGrpInf")
    w.add(group, "OrgnlMsgId", refs.msg_id)
    w.add(group, "OrgnlMsgNmId", message.value)
    w.add(parent, "OrgnlInstrId", refs.instr_id)
    w.add(parent, "OrgnlEndToEndId", refs.end_to_end_id)
    w.add(parent, "OrgnlTxId", refs.tx_id)
    if refs.uetr is not None:
        w.add(parent, "OrgnlUETR", str(refs.uetr))


def read_original(r: Reader, within: Element) -> tuple[References, MessageType]:
    name = r.text("OrgnlGrpInf/OrgnlMsgNmId", within)
    try:
        message = MessageType(name)
    except ValueError as exc:
        raise DocumentInvalid(f"original message {name!r} is not one this network sends") from exc
    uetr = r.optional("OrgnlUETR", within)
    refs = References(
        msg_id=r.text("OrgnlGrpInf/OrgnlMsgId", within),
        instr_id=r.text("OrgnlInstrId", within),
        end_to_end_id=r.text("OrgnlEndToEndId", within),
        tx_id=r.text("OrgnlTxId", within),
        uetr=documents.parse_uuid(uetr) if uetr else None,
    )
    return refs, message


def write_header(w: Writer, parent: Element, msg_id: str, created_at: datetime) -> Element:
    header = w.add(parent, "GrpHdr")
    w.add(header, "MsgId", msg_id)
    w.add(header, "CreDtTm", documents.iso_datetime(created_at))
    return header


def read_document(data: bytes, expected: MessageType) -> Reader:
    """Parse and schema-check a document that must be of the ``expected`` message."""
    message, root = documents.parse(data)
    if message is not expected:
        raise DocumentInvalid(f"expected {expected}, got {message}")
    schemas.validate(message, root)
    return Reader(message, root)


# pacs.008


def build_credit_transfer(ct: CreditTransfer) -> bytes:
    w = Writer(MessageType.PACS_008)
    body = w.add(w.root, "FIToFICstmrCdtTrf")
    header = write_header(w, body, ct.refs.msg_id, ct.created_at)
    w.add(header, "NbOfTxs", "1")
    write_settlement(w, header, ct.clearing_system)
    write_agent(w, header, "InstgAgt", ct.instructing_agent)
    tx = w.add(body, "CdtTrfTxInf")
    ids = w.add(tx, "PmtId")
    w.add(ids, "InstrId", ct.refs.instr_id)
    w.add(ids, "EndToEndId", ct.refs.end_to_end_id)
    w.add(ids, "TxId", ct.refs.tx_id)
    w.add(ids, "UETR", str(ct.refs.uetr))
    write_amount(w, tx, "IntrBkSttlmAmt", ct.amount)
    w.add(tx, "IntrBkSttlmDt", ct.settlement_date.isoformat())
    w.add(tx, "ChrgBr", CHARGES_BEARER)
    _write_debtor(w, tx, ct.debtor)
    _write_creditor(w, tx, ct.creditor)
    if ct.remittance:
        w.add(w.add(tx, "RmtInf"), "Ustrd", ct.remittance[:REMITTANCE_CHARS_MAX])
    return encode(w)


def _write_debtor(w: Writer, tx: Element, party: Party) -> None:
    _write_name(w, w.add(tx, "Dbtr"), party.name)
    write_account(w, tx, "DbtrAcct", party.account)
    write_agent(w, tx, "DbtrAgt", party.agent)


def _write_creditor(w: Writer, tx: Element, party: Party) -> None:
    # The schema's order: the creditor's agent comes before the creditor.
    write_agent(w, tx, "CdtrAgt", party.agent)
    _write_name(w, w.add(tx, "Cdtr"), party.name)
    write_account(w, tx, "CdtrAcct", party.account)


def _write_name(w: Writer, person: Element, name: str | None) -> None:
    if name:
        w.add(person, "Nm", name[:NAME_CHARS_MAX])


# pacs.028


def build_status_request(request: StatusRequest) -> bytes:
    w = Writer(MessageType.PACS_028)
    body = w.add(w.root, "FIToFIPmtStsReq")
    write_header(w, body, request.msg_id, request.created_at)
    tx = w.add(body, "TxInf")
    w.add(tx, "StsReqId", request.msg_id)
    write_original(w, tx, request.original, request.original_message)
    return encode(w)


# pacs.004


def build_return(rtr: PaymentReturn) -> bytes:
    w = Writer(MessageType.PACS_004)
    body = w.add(w.root, "PmtRtr")
    header = write_header(w, body, rtr.msg_id, rtr.created_at)
    w.add(header, "NbOfTxs", "1")
    write_settlement(w, header, rtr.clearing_system)
    tx = w.add(body, "TxInf")
    w.add(tx, "RtrId", rtr.return_id)
    write_original(w, tx, rtr.original, MessageType.PACS_008)
    write_amount(w, tx, "OrgnlIntrBkSttlmAmt", rtr.original_amount)
    write_amount(w, tx, "RtrdIntrBkSttlmAmt", rtr.returned)
    w.add(tx, "IntrBkSttlmDt", rtr.settlement_date.isoformat())
    w.add(tx, "ChrgBr", CHARGES_BEARER)
    w.path(tx, "RtrRsnInf/Rsn/Cd", rtr.reason)
    return encode(w)


# pacs.002


def parse_status_report(data: bytes) -> StatusReport:
    """A pacs.002 about exactly one transaction; ``DocumentInvalid`` for anything else."""
    r = read_document(data, MessageType.PACS_002)
    header = r.one("FIToFIPmtStsRpt/GrpHdr")
    tx = r.one("FIToFIPmtStsRpt/TxInfAndSts")
    original, message = read_original(r, tx)
    tx_status = r.optional("TxSts", tx)
    if tx_status is None:
        raise DocumentInvalid("the status report has no transaction status (TxSts)")
    return StatusReport(
        msg_id=r.text("MsgId", header),
        created_at=documents.parse_datetime(r.text("CreDtTm", header)),
        original=original,
        original_message=message,
        tx_status=tx_status,
        reason=r.optional("StsRsnInf/Rsn/Cd", tx),
        additional_info=r.optional("StsRsnInf/AddtlInf", tx),
    )
