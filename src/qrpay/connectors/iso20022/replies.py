"""Pure ISO 20022 messages of the network's side: read what the gateway sends, answer pacs.002.

The simulator uses these to play the network, and tests use them to script replies; they
read back exactly what ``messages`` writes (a round trip is the identity), and they refuse
a document that breaks its XSD before reading any field of it.
"""

from __future__ import annotations

from qrpay.connectors.iso20022 import documents
from qrpay.connectors.iso20022.documents import DocumentInvalid, MessageType, Reader, Writer
from qrpay.connectors.iso20022.messages import (
    CreditTransfer,
    Party,
    PaymentReturn,
    References,
    StatusReport,
    StatusRequest,
    encode,
    read_account,
    read_agent,
    read_amount,
    read_document,
    read_original,
    write_header,
    write_original,
)

REASON_INFO_CHARS_MAX = 105
"""Max105Text: ``AddtlInf`` of a status reason."""


# pacs.008


def parse_credit_transfer(data: bytes) -> CreditTransfer:
    r = read_document(data, MessageType.PACS_008)
    header = r.one("FIToFICstmrCdtTrf/GrpHdr")
    if r.text("NbOfTxs", header) != "1":
        raise DocumentInvalid("this network takes one transaction per message")
    tx = r.one("FIToFICstmrCdtTrf/CdtTrfTxInf")
    return CreditTransfer(
        refs=_payment_ids(r, header, tx),
        created_at=documents.parse_datetime(r.text("CreDtTm", header)),
        amount=read_amount(r, "IntrBkSttlmAmt", tx),
        settlement_date=documents.parse_date(r.text("IntrBkSttlmDt", tx)),
        debtor=_party(r, tx, "Dbtr"),
        creditor=_party(r, tx, "Cdtr"),
        clearing_system=r.text("SttlmInf/ClrSys/Prtry", header),
        instructing_agent=read_agent(r, r.one("InstgAgt", header)),
        remittance=r.optional("RmtInf/Ustrd", tx),
    )


def _payment_ids(r: Reader, header: documents.Element, tx: documents.Element) -> References:
    uetr = r.optional("PmtId/UETR", tx)
    if uetr is None:
        raise DocumentInvalid("every transfer on this network carries a UETR")
    return References(
        msg_id=r.text("MsgId", header),
        instr_id=r.text("PmtId/InstrId", tx),
        end_to_end_id=r.text("PmtId/EndToEndId", tx),
        tx_id=r.text("PmtId/TxId", tx),
        uetr=documents.parse_uuid(uetr),
    )


def _party(r: Reader, tx: documents.Element, role: str) -> Party:
    return Party(
        name=r.optional(f"{role}/Nm", tx),
        account=read_account(r, r.one(f"{role}Acct", tx)),
        agent=read_agent(r, r.one(f"{role}Agt", tx)),
    )


# pacs.028


def parse_status_request(data: bytes) -> StatusRequest:
    r = read_document(data, MessageType.PACS_028)
    header = r.one("FIToFIPmtStsReq/GrpHdr")
    original, message = read_original(r, r.one("FIToFIPmtStsReq/TxInf"))
    return StatusRequest(
        msg_id=r.text("MsgId", header),
        created_at=documents.parse_datetime(r.text("CreDtTm", header)),
        original=original,
        original_message=message,
    )


# pacs.004


def parse_return(data: bytes) -> PaymentReturn:
    r = read_document(data, MessageType.PACS_004)
    header = r.one("PmtRtr/GrpHdr")
    if r.text("NbOfTxs", header) != "1":
        raise DocumentInvalid("this network takes one transaction per message")
    tx = r.one("PmtRtr/TxInf")
    original, _ = read_original(r, tx)
    return PaymentReturn(
        msg_id=r.text("MsgId", header),
        return_id=r.text("RtrId", tx),
        created_at=documents.parse_datetime(r.text("CreDtTm", header)),
        original=original,
        original_amount=read_amount(r, "OrgnlIntrBkSttlmAmt", tx),
        returned=read_amount(r, "RtrdIntrBkSttlmAmt", tx),
        settlement_date=documents.parse_date(r.text("IntrBkSttlmDt", tx)),
        reason=r.text("RtrRsnInf/Rsn/Cd", tx),
        clearing_system=r.text("SttlmInf/ClrSys/Prtry", header),
    )


# pacs.002


def build_status_report(report: StatusReport) -> bytes:
    w = Writer(MessageType.PACS_002)
    body = w.add(w.root, "FIToFIPmtStsRpt")
    write_header(w, body, report.msg_id, report.created_at)
    tx = w.add(body, "TxInfAndSts")
    w.add(tx, "StsId", report.msg_id)
    write_original(w, tx, report.original, report.original_message)
    w.add(tx, "TxSts", report.tx_status)
    if report.reason is not None or report.additional_info is not None:
        reason = w.add(tx, "StsRsnInf")
        if report.reason is not None:
            w.path(reason, "Rsn/Cd", report.reason)
        if report.additional_info is not None:
            w.add(reason, "AddtlInf", report.additional_info[:REASON_INFO_CHARS_MAX])
    return encode(w)
