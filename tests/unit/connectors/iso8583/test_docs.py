"""docs/iso8583.md prints the field table, the message table and the field-39 table."""

from __future__ import annotations

from pathlib import Path

from qrpay.connectors.iso8583.messages import RESPONSE_CODES
from qrpay.connectors.iso8583.spec import FIELDS, MESSAGES

DOC = (Path(__file__).parents[4] / "docs" / "iso8583.md").read_text(encoding="utf-8")


def test_every_field_has_its_row() -> None:
    for f in FIELDS:
        assert f"| {f.number} | {f.name} | {f.format.value} |" in DOC, f.number


def test_every_message_has_its_row() -> None:
    for d in MESSAGES.values():
        mandatory = ", ".join(map(str, sorted(d.mandatory)))
        assert f"| {d.mti.value} | {d.name} | {mandatory} |" in DOC, d.mti


def test_every_response_code_has_its_row() -> None:
    for code, (outcome, text) in RESPONSE_CODES.items():
        assert f"| {code} | {text} | {outcome.value} |" in DOC, code
