"""The acquirer simulator's own ledger: what it approved, captured, refunded and reversed.

Kept apart from the gateway's ledger on purpose: reconciliation compares the two. Each
request the simulator decides on is one ``Entry``, keyed as the network keys it
(terminal, transmission time, STAN), so a reversal's field 90 finds it. The ledger is a
JSON file rewritten atomically after every change; the simulator handles a test's or a
demo's volume, not production's.

The end-of-day report has one row per entry: ``stan, rrn, terminal, merchant, kind,
amount_minor, currency, response_code, status, time`` (time in UTC, ISO 8601), as CSV
(``.csv``) or as a JSON list of objects (any other suffix).
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import asdict, dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, Final


class EntryKind(StrEnum):
    AUTHORIZATION = "authorization"
    SALE = "sale"
    CAPTURE = "capture"
    REFUND = "refund"


class EntryStatus(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"
    CAPTURED = "captured"
    """An authorization a later 0200 completed."""
    REVERSED = "reversed"


REPORT_COLUMNS: Final = (
    "stan",
    "rrn",
    "terminal",
    "merchant",
    "kind",
    "amount_minor",
    "currency",
    "response_code",
    "status",
    "time",
)


@dataclass(slots=True)
class Entry:
    key: str
    kind: EntryKind
    stan: str
    rrn: str
    terminal: str
    merchant: str
    amount_minor: int
    currency: str
    response_code: str
    status: EntryStatus
    time: str
    reversal_messages: int = 0
    """0400 and 0401 messages received for this entry."""

    def row(self) -> dict[str, Any]:
        return {column: getattr(self, column) for column in REPORT_COLUMNS}


class Ledger:
    def __init__(self, path: Path | None) -> None:
        self._path = path
        self.entries: dict[str, Entry] = {}
        if path is not None and path.exists():
            for raw in json.loads(path.read_text(encoding="utf-8")):
                raw["kind"] = EntryKind(raw["kind"])
                raw["status"] = EntryStatus(raw["status"])
                entry = Entry(**raw)
                self.entries[entry.key] = entry

    def add(self, entry: Entry) -> None:
        self.entries[entry.key] = entry
        self.save()

    def save(self) -> None:
        if self._path is None:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps([_plain(e) for e in self.entries.values()], indent=1)
        temporary = self._path.with_name(self._path.name + ".tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, self._path)

    def totals(self) -> dict[str, dict[str, int]]:
        """Per kind: what was approved, what of it was reversed, and what is left (net)."""
        sums: dict[str, dict[str, int]] = {
            k.value: {"approved_minor": 0, "reversed_minor": 0, "net_minor": 0} for k in EntryKind
        }
        for entry in self.entries.values():
            if entry.status is EntryStatus.DECLINED:
                continue
            line = sums[entry.kind.value]
            line["approved_minor"] += entry.amount_minor
            if entry.status is EntryStatus.REVERSED:
                line["reversed_minor"] += entry.amount_minor
        for line in sums.values():
            line["net_minor"] = line["approved_minor"] - line["reversed_minor"]
        return sums

    def rows(self, day: date | None = None) -> list[dict[str, Any]]:
        chosen = [e for e in self.entries.values() if day is None or e.time[:10] == str(day)]
        return [e.row() for e in sorted(chosen, key=lambda e: (e.time, e.stan))]

    def snapshot(self) -> dict[str, Any]:
        return {"entries": [_plain(e) for e in self.entries.values()], "totals": self.totals()}


def render_report(rows: list[dict[str, Any]], fmt: str) -> str:
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=REPORT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue()
    return json.dumps(rows, indent=1) + "\n"


def write_report(path: Path, rows: list[dict[str, Any]]) -> None:
    fmt = "csv" if path.suffix.lower() == ".csv" else "json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(rows, fmt), encoding="utf-8")


def _plain(entry: Entry) -> dict[str, Any]:
    data = asdict(entry)
    data["kind"] = entry.kind.value
    data["status"] = entry.status.value
    return data
