"""Pure ISO 8583 messages: build requests, answer them, pack and unpack, map field 39.

No I/O and no clock: every time and STAN comes in as an argument. Field packing is
``pyiso8583`` over the table in ``spec.py``; this module adds what the packer leaves to its
caller: the type of every field's characters, which fields each message must carry, and
that the MAC (64 or 128) is present and last. A ``Message`` never holds its MAC: ``pack``
leaves eight zero bytes in its place and ``mac.py`` signs over the bytes before them.

``RESPONSE_CODES`` is the one table from field 39 to an ``Outcome``. The split follows
one rule: a hard decline is a refusal about the card or the payer that no retry changes,
on this network or another (stolen, do not honour, invalid card); a soft decline may go
through later or on another route (insufficient funds, issuer unavailable, our own
format or security error). A code that leaves the money's fate open (a partial approval
the gateway cannot use, a duplicate) maps to ``UNKNOWN``, which the connector reverses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

import iso8583

from qrpay.connectors.base import Card, CardAcceptor, Outcome
from qrpay.connectors.iso8583.spec import (
    FIELD_BY_NUMBER,
    MAC_BYTES,
    MAC_FIELDS,
    MESSAGES,
    POS_ENTRY_MODE_WALLET,
    PYISO8583_SPEC,
    RESPONSE_TO,
    ConditionCode,
    Format,
    Length,
    Mti,
    NetworkCode,
    ProcessingCode,
    ReversalReason,
)

AMOUNT_DIGITS: Final = 12
SENSITIVE_FIELDS: Final = frozenset({2, 14, 35, 52})
"""Card data: never copied into a reversal record, a log line or a report."""
_ANS_CHARS: Final = frozenset(chr(c) for c in range(0x20, 0x7F))
_Z_CHARS: Final = frozenset("0123456789=D")


class MessageInvalid(Exception):
    """Bytes that are not a message of this variant, or a message that breaks its table."""


@dataclass(frozen=True, slots=True)
class Message:
    mti: Mti
    fields: Mapping[int, str]
    """Field number to text; ``b`` fields as upper-case hex. Never the MAC."""

    def get(self, number: int) -> str | None:
        return self.fields.get(number)

    def require(self, number: int) -> str:
        value = self.fields.get(number)
        if value is None:
            raise MessageInvalid(f"{self.mti} has no field {number}")
        return value

    @property
    def stan(self) -> str:
        return self.require(11)


@dataclass(frozen=True, slots=True)
class Transaction:
    """What a 0100 or 0200 carries, decided by the connector."""

    stan: str
    transmitted_at: datetime
    amount_minor: int
    currency_number: str
    acceptor: CardAcceptor
    acquirer_id: str
    processing_code: ProcessingCode = ProcessingCode.PURCHASE
    condition_code: ConditionCode = ConditionCode.ECOMMERCE
    card: Card | None = None
    original: Message | None = None
    """The request this one completes or refunds: field 90 names it."""
    authorization_code: str | None = None


# --- field 39 -------------------------------------------------------------------------

A, H, S, U = Outcome.APPROVED, Outcome.DECLINED_HARD, Outcome.DECLINED_SOFT, Outcome.UNKNOWN
RESPONSE_CODES: Final[dict[str, tuple[Outcome, str]]] = {
    "00": (A, "approved"),
    "08": (A, "honour with identification"),
    "11": (A, "approved (VIP)"),
    "16": (A, "approved, update track 3"),
    "01": (H, "refer to card issuer"),
    "02": (H, "refer to card issuer, special condition"),
    "03": (S, "invalid merchant"),
    "04": (H, "pick up card"),
    "05": (H, "do not honour"),
    "06": (S, "error"),
    "07": (H, "pick up card, special condition"),
    "10": (U, "approved for a partial amount, which the gateway does not accept"),
    "12": (H, "invalid transaction"),
    "13": (H, "invalid amount"),
    "14": (H, "invalid card number"),
    "15": (H, "no such issuer"),
    "19": (S, "re-enter transaction"),
    "21": (S, "no action taken"),
    "25": (H, "unable to locate record"),
    "30": (S, "format error"),
    "31": (S, "bank not supported by switch"),
    "33": (H, "expired card, pick up"),
    "34": (H, "suspected fraud, pick up"),
    "36": (H, "restricted card, pick up"),
    "41": (H, "lost card, pick up"),
    "43": (H, "stolen card, pick up"),
    "51": (S, "not sufficient funds"),
    "54": (H, "expired card"),
    "55": (S, "incorrect PIN"),
    "56": (H, "no card record"),
    "57": (H, "transaction not permitted to cardholder"),
    "58": (S, "transaction not permitted to terminal"),
    "59": (H, "suspected fraud"),
    "61": (S, "exceeds withdrawal amount limit"),
    "62": (H, "restricted card"),
    "63": (S, "security violation"),
    "65": (S, "exceeds withdrawal frequency limit"),
    "68": (S, "response received too late"),
    "75": (H, "allowable number of PIN tries exceeded"),
    "91": (S, "issuer or switch inoperative"),
    "92": (S, "financial institution cannot be found for routing"),
    "94": (U, "duplicate transmission"),
    "96": (S, "system malfunction"),
}
UNLISTED_OUTCOME: Final = Outcome.DECLINED_SOFT
"""A code missing from the table is not an approval; a retry elsewhere stays allowed."""


def outcome_for(code: str) -> Outcome:
    found = RESPONSE_CODES.get(code)
    return UNLISTED_OUTCOME if found is None else found[0]


def describe(code: str) -> str:
    found = RESPONSE_CODES.get(code)
    return f"unlisted response code {code!r}" if found is None else found[1]


# --- builders -------------------------------------------------------------------------


def authorization_request(tx: Transaction) -> Message:
    assert tx.card is not None, "an authorization names the card"
    return Message(Mti.AUTHORIZATION_REQUEST, _transaction_fields(tx))


def financial_request(tx: Transaction) -> Message:
    assert tx.card is not None or tx.original is not None, "a 0200 names a card or an original"
    return Message(Mti.FINANCIAL_REQUEST, _transaction_fields(tx))


def reversal_request(
    original: Message, stan: str, at: datetime, reason: ReversalReason, *, repeat: bool
) -> Message:
    """A 0400 (first) or 0401 (repeat) taking back ``original``; field 90 names it.

    Each transmission has its own STAN so replies stay matched one to one; the network
    recognises the reversal by field 90, so a repeat of an already reversed one is harmless.
    """
    assert original.mti in (Mti.AUTHORIZATION_REQUEST, Mti.FINANCIAL_REQUEST), original.mti
    copied = {3, 4, 12, 13, 32, 37, 41, 42, 49, 38}
    fields = {n: v for n, v in original.fields.items() if n in copied}
    fields |= {7: transmission_time(at), 11: stan, 39: reason.value, 90: original_data(original)}
    mti = Mti.REVERSAL_REPEAT if repeat else Mti.REVERSAL_REQUEST
    return Message(mti, fields)


def network_request(code: NetworkCode, stan: str, at: datetime) -> Message:
    return Message(Mti.NETWORK_REQUEST, {7: transmission_time(at), 11: stan, 70: code.value})


def response(request: Message, code: str, extra: Mapping[int, str] | None = None) -> Message:
    """The answer to ``request``: its fields the response may echo, plus 39 and ``extra``."""
    reply = MESSAGES[RESPONSE_TO[request.mti]]
    allowed = reply.mandatory | reply.optional
    fields = {n: v for n, v in request.fields.items() if n in allowed}
    fields[39] = code
    fields.update(extra or {})
    return Message(reply.mti, fields)


def original_data(original: Message) -> str:
    """Field 90: MTI, STAN, transmission time and acquirer of the original, 42 digits."""
    acquirer = original.get(32) or ""
    text = f"{original.mti}{original.stan}{original.require(7)}{acquirer:0>11}{'':0>11}"
    assert len(text) == 42, text
    return text


def split_original_data(value: str) -> tuple[str, str, str]:
    """Field 90 back to (MTI, STAN, transmission time)."""
    if len(value) != 42 or not value.isdigit():
        raise MessageInvalid("field 90 is not 42 digits")
    return value[0:4], value[4:10], value[10:20]


def transmission_time(at: datetime) -> str:
    """Field 7: MMDDhhmmss in UTC."""
    assert at.tzinfo is not None, "aware times only"
    return at.astimezone(UTC).strftime("%m%d%H%M%S")


def retrieval_reference(stan: str, at: datetime) -> str:
    """Field 37: last digit of the year, day of the year, hour, STAN (YDDDhhNNNNNN)."""
    utc = at.astimezone(UTC)
    return f"{utc.year % 10}{utc.timetuple().tm_yday:03d}{utc.hour:02d}{stan}"


def _transaction_fields(tx: Transaction) -> dict[int, str]:
    assert 0 < tx.amount_minor < 10**AMOUNT_DIGITS, "amount fits field 4"
    assert len(tx.acceptor.terminal_id) <= 8, "field 41 is 8 characters"
    assert len(tx.acceptor.acceptor_id) <= 15, "field 42 is 15 characters"
    utc = tx.transmitted_at.astimezone(UTC)
    fields = {
        3: tx.processing_code.value,
        4: f"{tx.amount_minor:0{AMOUNT_DIGITS}d}",
        7: transmission_time(utc),
        11: tx.stan,
        12: utc.strftime("%H%M%S"),
        13: utc.strftime("%m%d"),
        22: POS_ENTRY_MODE_WALLET,
        25: tx.condition_code.value,
        32: tx.acquirer_id,
        37: retrieval_reference(tx.stan, utc),
        41: tx.acceptor.terminal_id.ljust(8),
        42: tx.acceptor.acceptor_id.ljust(15),
        49: tx.currency_number,
    }
    if tx.card is not None:
        fields[2] = tx.card.pan
        if tx.card.expiry_yymm:
            fields[14] = tx.card.expiry_yymm
    if tx.acceptor.mcc:
        fields[18] = tx.acceptor.mcc
    if tx.original is not None:
        fields[90] = original_data(tx.original)
    if tx.authorization_code is not None:
        fields[38] = tx.authorization_code
    return fields


# --- packing --------------------------------------------------------------------------


def mac_field(numbers: Mapping[int, str]) -> int:
    """64, or 128 when any field lies in the secondary bitmap: the MAC is always last."""
    return MAC_FIELDS[1] if any(n > 64 for n in numbers) else MAC_FIELDS[0]


def pack(message: Message) -> bytes:
    """The message's bytes, ending in eight zero bytes where ``mac.py`` puts the MAC."""
    _check(message)
    doc: dict[str, str] = {"t": message.mti.value}
    doc |= {str(n): v for n, v in message.fields.items()}
    doc[str(mac_field(message.fields))] = "00" * MAC_BYTES
    raw, _ = iso8583.encode(doc, PYISO8583_SPEC)
    return bytes(raw)


def unpack(data: bytes) -> Message:
    """Parse one frame's payload; ``MessageInvalid`` for anything outside the variant."""
    try:
        doc, _ = iso8583.decode(data, PYISO8583_SPEC)
    except (iso8583.DecodeError, UnicodeDecodeError) as exc:
        raise MessageInvalid(f"undecodable message: {exc}") from exc
    try:
        mti = Mti(doc["t"])
    except ValueError as exc:
        raise MessageInvalid(f"unknown message type {doc['t']!r}") from exc
    numbers = {int(k): v for k, v in doc.items() if k.isdigit() and k != "1"}
    expected_mac = mac_field(numbers)
    if expected_mac not in numbers or any(n in MAC_FIELDS for n in numbers if n != expected_mac):
        raise MessageInvalid(f"{mti} does not carry its MAC in field {expected_mac}")
    del numbers[expected_mac]
    message = Message(mti, numbers)
    _check(message)
    return message


def _check(message: Message) -> None:
    definition = MESSAGES[message.mti]
    present = set(message.fields)
    missing = definition.mandatory - present
    if missing:
        raise MessageInvalid(f"{message.mti} lacks fields {sorted(missing)}")
    extra = present - definition.mandatory - definition.optional
    if extra:
        raise MessageInvalid(f"{message.mti} may not carry fields {sorted(extra)}")
    for number, value in message.fields.items():
        _check_field(number, value)


def _check_field(number: int, value: str) -> None:
    field = FIELD_BY_NUMBER[number]
    size = len(value) // 2 if field.format is Format.B else len(value)
    if field.length is Length.FIXED and size != field.length_max:
        raise MessageInvalid(f"field {number} must be {field.length_max} long, not {size}")
    if size > field.length_max:
        raise MessageInvalid(f"field {number} is longer than {field.length_max}")
    if not _chars_fit(field.format, value):
        raise MessageInvalid(f"field {number} holds characters outside {field.format}")


def _chars_fit(kind: Format, value: str) -> bool:
    if kind is Format.N:
        return value.isascii() and value.isdigit()
    if kind is Format.AN:
        return value.isascii() and value.isalnum()
    if kind is Format.Z:
        return set(value) <= _Z_CHARS
    if kind is Format.B:
        return len(value) % 2 == 0 and all(c in "0123456789ABCDEFabcdef" for c in value)
    return set(value) <= _ANS_CHARS
