"""End-of-day reports of the networks, read into ``NetworkRecord``s: one parser per network.

The matching keys (the network's id of a transaction, which the gateway's side also has):

    acquirer  ISO 8583 report (the simulator's CSV or JSON, ``qrpay sim acquirer --report``):
              ``rrn`` (field 37). Sales, captures and refunds move money when ``approved``;
              authorizations only hold it and are left out; ``reversed`` and ``declined``
              moved nothing.
    instant   camt.053 (``qrpay sim instant``): ``TxId`` of each booked entry, which the
              ISO 20022 connector sets to the gateway's attempt id (a pacs.008) or refund id
              (a pacs.004 return). Only booked entries appear, so each one moved money.

A report that is not in its network's format is ``ReportUnreadable``, naming the line or
element; nothing is matched from half a report.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date
from typing import Any, Final

from qrpay.connectors.iso20022.documents import DocumentInvalid
from qrpay.connectors.iso20022.statement import EntryKind, parse_statement_report
from qrpay.domain.errors import NetworkUnknown, QrpayError, ReportUnreadable
from qrpay.domain.reconciliation import RECORDS_MAX, NetworkRecord, RecordKind

REPORT_BYTES_MAX: Final = 64 * 1024 * 1024

ACQUIRER_COLUMNS: Final = ("rrn", "kind", "amount_minor", "currency", "status", "time")
_ACQUIRER_KINDS: Final = {
    "sale": RecordKind.PAYMENT,
    "capture": RecordKind.PAYMENT,
    "refund": RecordKind.REFUND,
}


def parse_acquirer(data: bytes) -> tuple[list[NetworkRecord], set[date]]:
    rows = _acquirer_rows(data)
    records: list[NetworkRecord] = []
    days: set[date] = set()
    seen: set[str] = set()
    for number, row in enumerate(rows, start=1):
        try:
            kind = _ACQUIRER_KINDS.get(str(row["kind"]))
            days.add(date.fromisoformat(str(row["time"])[:10]))
            if kind is None:
                continue  # an authorization holds money; its capture moves it
            key = str(row["rrn"]).strip()
            amount = int(row["amount_minor"])
        except (KeyError, ValueError, TypeError) as exc:
            raise ReportUnreadable(f"acquirer report row {number}: {exc!r}") from exc
        if not key or key in seen:
            raise ReportUnreadable(f"acquirer report row {number}: missing or repeated rrn {key!r}")
        seen.add(key)
        status = str(row["status"])
        records.append(
            NetworkRecord(
                key, kind, amount, str(row["currency"]), status == "approved", status, dict(row)
            )
        )
    return records, days


def _acquirer_rows(data: bytes) -> list[dict[str, Any]]:
    text = data.decode("utf-8", errors="strict").lstrip("\ufeff")
    if text.lstrip().startswith("["):
        rows = json.loads(text)
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ReportUnreadable("the acquirer report's JSON is not a list of objects")
        return rows
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ACQUIRER_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ReportUnreadable(f"the acquirer report lacks the columns {missing}")
    return list(reader)


def parse_instant(data: bytes) -> tuple[list[NetworkRecord], set[date]]:
    try:
        report = parse_statement_report(data)
    except (DocumentInvalid, QrpayError, ValueError) as exc:
        raise ReportUnreadable(f"not a camt.053 this gateway reads: {exc}") from exc
    records: list[NetworkRecord] = []
    days = {statement.day for statement in report.statements}
    for statement in report.statements:
        for entry in statement.entries:
            kind = RecordKind.PAYMENT if entry.kind is EntryKind.TRANSFER else RecordKind.REFUND
            raw = {
                "tx_id": entry.refs.tx_id,
                "end_to_end_id": entry.refs.end_to_end_id,
                "uetr": None if entry.refs.uetr is None else str(entry.refs.uetr),
                "booked_on": entry.booked_on.isoformat(),
                "sub_family": entry.kind.value,
            }
            amount = entry.amount
            records.append(
                NetworkRecord(
                    entry.refs.tx_id,
                    kind,
                    amount.amount_minor,
                    amount.currency.code,
                    True,
                    "BOOK",
                    raw,
                )
            )
    return records, days


PARSERS: Final[dict[str, Callable[[bytes], tuple[list[NetworkRecord], set[date]]]]] = {
    "acquirer": parse_acquirer,
    "instant": parse_instant,
}


def parse_report(network: str, data: bytes) -> tuple[list[NetworkRecord], set[date]]:
    """The report's records, and the days its entries are dated."""
    parser = PARSERS.get(network)
    if parser is None:
        raise NetworkUnknown(f"no report format for network {network!r}; known: {sorted(PARSERS)}")
    if len(data) > REPORT_BYTES_MAX:
        raise ReportUnreadable(f"the report is larger than {REPORT_BYTES_MAX} bytes")
    try:
        records, days = parser(data)
    except (UnicodeDecodeError, json.JSONDecodeError, csv.Error) as exc:
        raise ReportUnreadable(f"the {network} report does not parse: {exc}") from exc
    if len(records) > RECORDS_MAX:
        raise ReportUnreadable(f"more than {RECORDS_MAX} records in one report")
    return records, days
