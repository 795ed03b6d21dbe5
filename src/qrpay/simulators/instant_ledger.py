"""The instant network simulator's own ledger: what it accepted, rejected and returned.

Each decision is one JSON line appended to a file (and flushed) before the answer leaves,
so a restarted simulator answers inquiries about what it decided before, and its
end-of-day camt.053 covers the whole day. Amounts are integer minor units.

The ledger books the participant's (the gateway's) settlement account: an accepted
transfer is a debit, an accepted return of one a credit. Rejections are kept, never booked.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from qrpay.connectors.iso20022.documents import parse_uuid
from qrpay.connectors.iso20022.messages import References
from qrpay.connectors.iso20022.statement import Entry, EntryKind, Statement, StatementReport
from qrpay.domain.currency import currency
from qrpay.domain.money import Money

ACCEPTED: Final = "ACSC"
RECORDS_MAX: Final = 1_000_000
"""A simulator is for demos and tests; past this it refuses to grow its file."""


class RecordKind(StrEnum):
    TRANSFER = "transfer"
    RETURN = "return"


@dataclass(frozen=True, slots=True)
class Record:
    kind: RecordKind
    msg_id: str
    instr_id: str
    end_to_end_id: str
    tx_id: str
    uetr: str | None
    amount_minor: int
    currency: str
    tx_status: str
    reason: str | None
    booked_at: str
    """ISO date and time the simulator decided it."""
    original_tx_id: str | None = None
    """For a return: the transfer it returns."""

    @property
    def refs(self) -> References:
        uetr = parse_uuid(self.uetr) if self.uetr else None
        return References(self.msg_id, self.instr_id, self.end_to_end_id, self.tx_id, uetr)

    @property
    def accepted(self) -> bool:
        return self.tx_status == ACCEPTED

    @property
    def day(self) -> date:
        return datetime.fromisoformat(self.booked_at).date()


def record_of(
    kind: RecordKind,
    refs: References,
    amount: Money,
    tx_status: str,
    reason: str | None,
    booked_at: datetime,
    original_tx_id: str | None = None,
) -> Record:
    return Record(
        kind=kind,
        msg_id=refs.msg_id,
        instr_id=refs.instr_id,
        end_to_end_id=refs.end_to_end_id,
        tx_id=refs.tx_id,
        uetr=str(refs.uetr) if refs.uetr else None,
        amount_minor=amount.amount_minor,
        currency=amount.currency.code,
        tx_status=tx_status,
        reason=reason,
        booked_at=booked_at.isoformat(),
        original_tx_id=original_tx_id,
    )


class SimLedger:
    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._records: list[Record] = []
        self._by_tx: dict[tuple[RecordKind, str], Record] = {}
        self._by_uetr: dict[str, Record] = {}
        if path is not None and path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    self._remember(Record(**json.loads(line)))

    @property
    def records(self) -> list[Record]:
        return list(self._records)

    def add(self, record: Record) -> None:
        assert (record.kind, record.tx_id) not in self._by_tx, "ids are checked before booking"
        assert len(self._records) < RECORDS_MAX, "the simulator's ledger is full"
        if self._path is not None:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            with self._path.open("a", encoding="utf-8") as file:
                file.write(json.dumps(asdict(record)) + "\n")
        self._remember(record)

    def _remember(self, record: Record) -> None:
        self._records.append(record)
        self._by_tx[(record.kind, record.tx_id)] = record
        if record.kind is RecordKind.TRANSFER and record.uetr is not None:
            self._by_uetr[record.uetr] = record

    def find(self, kind: RecordKind, refs: References) -> Record | None:
        """The record of a transaction by TxId (and UETR, when the question carries one)."""
        found = self._by_tx.get((kind, refs.tx_id))
        if found is None and kind is RecordKind.TRANSFER and refs.uetr is not None:
            found = self._by_uetr.get(str(refs.uetr))
        if found is not None and refs.uetr is not None and found.uetr not in (None, str(refs.uetr)):
            return None
        return found

    def seen(self, kind: RecordKind, refs: References) -> bool:
        """A transaction with these ids was booked already (a transfer: its UETR too)."""
        if (kind, refs.tx_id) in self._by_tx:
            return True
        # A return carries its original's UETR, so only a transfer is known by its UETR.
        return kind is RecordKind.TRANSFER and str(refs.uetr) in self._by_uetr

    def returned_minor(self, original_tx_id: str) -> int:
        return sum(
            r.amount_minor
            for r in self._records
            if r.kind is RecordKind.RETURN and r.accepted and r.original_tx_id == original_tx_id
        )

    def to_json(self) -> list[dict[str, Any]]:
        return [asdict(r) for r in self._records]

    def statement(
        self, day: date, account: str, home_currency: str, msg_id: str, created_at: datetime
    ) -> StatementReport:
        """The camt.053 of ``day``: one statement for the home currency and for each other
        currency booked up to that day."""
        booked = [r for r in self._records if r.accepted and r.day <= day]
        currencies = sorted({home_currency} | {r.currency for r in booked})
        statements = tuple(
            _statement(code, [r for r in booked if r.currency == code], day, account)
            for code in currencies
        )
        return StatementReport(msg_id, created_at, statements)


def _statement(code: str, booked: list[Record], day: date, account: str) -> Statement:
    unit = currency(code)
    entries = tuple(
        Entry(
            r.refs,
            Money(r.amount_minor, unit),
            EntryKind.TRANSFER if r.kind is RecordKind.TRANSFER else EntryKind.RETURN,
            day,
        )
        for r in booked
        if r.day == day
    )
    before = [e for e in booked if e.day < day]
    opening = sum(
        -r.amount_minor if r.kind is RecordKind.TRANSFER else r.amount_minor for r in before
    )
    return Statement(f"{code}-{day.isoformat()}", account, unit, day, opening, entries)
