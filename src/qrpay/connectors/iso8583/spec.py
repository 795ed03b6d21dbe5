"""The ISO 8583 variant qrpay speaks, as data: ISO 8583:1987, ASCII, binary bitmaps.

Numeric and text fields are ASCII characters, variable lengths are ASCII digits (LL, LLL),
bitmaps and the MAC are raw bytes. ``FIELDS`` is the field table; ``MESSAGES`` says which
fields each message type must (``mandatory``) or may (``optional``) carry besides the MAC.
``PYISO8583_SPEC`` is the same table in the form the ``pyiso8583`` packer reads, derived
from ``FIELDS`` so the two cannot drift. ``docs/iso8583.md`` prints both tables.

The MAC is field 64 when the message has no field above 64, field 128 otherwise: it is
always the last field, so it covers every byte before it (see ``mac.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final


class Format(StrEnum):
    N = "n"
    """Digits only."""
    AN = "an"
    """Letters and digits."""
    ANS = "ans"
    """Letters, digits, space and printable special characters."""
    Z = "z"
    """Track data: digits, '=' and 'D'."""
    B = "b"
    """Raw bytes; ``length_max`` counts bytes."""


class Length(StrEnum):
    FIXED = "fixed"
    LLVAR = "llvar"
    LLLVAR = "lllvar"


@dataclass(frozen=True, slots=True)
class FieldDef:
    number: int
    name: str
    format: Format
    length: Length
    length_max: int
    """Characters (bytes for ``b``); for a fixed field, its exact length."""


F, LL, LLL = Length.FIXED, Length.LLVAR, Length.LLLVAR
FIELDS: Final[tuple[FieldDef, ...]] = (
    FieldDef(2, "Primary account number", Format.N, LL, 19),
    FieldDef(3, "Processing code", Format.N, F, 6),
    FieldDef(4, "Amount, transaction (minor units)", Format.N, F, 12),
    FieldDef(7, "Transmission date and time (MMDDhhmmss, UTC)", Format.N, F, 10),
    FieldDef(11, "Systems trace audit number (STAN)", Format.N, F, 6),
    FieldDef(12, "Time, local transaction (hhmmss)", Format.N, F, 6),
    FieldDef(13, "Date, local transaction (MMDD)", Format.N, F, 4),
    FieldDef(14, "Date, expiration (YYMM)", Format.N, F, 4),
    FieldDef(18, "Merchant type (MCC)", Format.N, F, 4),
    FieldDef(22, "Point of service entry mode", Format.N, F, 3),
    FieldDef(25, "Point of service condition code", Format.N, F, 2),
    FieldDef(32, "Acquiring institution identification code", Format.N, LL, 11),
    FieldDef(35, "Track 2 data", Format.Z, LL, 37),
    FieldDef(37, "Retrieval reference number (RRN)", Format.AN, F, 12),
    FieldDef(38, "Authorization identification response", Format.AN, F, 6),
    FieldDef(39, "Response code (in a 0400: reason for the reversal)", Format.AN, F, 2),
    FieldDef(41, "Card acceptor terminal identification", Format.ANS, F, 8),
    FieldDef(42, "Card acceptor identification code", Format.ANS, F, 15),
    FieldDef(44, "Additional response data", Format.ANS, LL, 25),
    FieldDef(49, "Currency code, transaction (ISO 4217 numeric)", Format.N, F, 3),
    FieldDef(52, "PIN data", Format.B, F, 8),
    FieldDef(64, "Message authentication code (MAC)", Format.B, F, 8),
    FieldDef(70, "Network management information code", Format.N, F, 3),
    FieldDef(90, "Original data elements", Format.N, F, 42),
    FieldDef(128, "Message authentication code (MAC)", Format.B, F, 8),
)
FIELD_BY_NUMBER: Final = {f.number: f for f in FIELDS}
MAC_FIELDS: Final = (64, 128)
MAC_BYTES: Final = 8
BITMAP_BYTES: Final = 8
MTI_CHARS: Final = 4


class Mti(StrEnum):
    AUTHORIZATION_REQUEST = "0100"
    AUTHORIZATION_RESPONSE = "0110"
    FINANCIAL_REQUEST = "0200"
    FINANCIAL_RESPONSE = "0210"
    REVERSAL_REQUEST = "0400"
    REVERSAL_REPEAT = "0401"
    REVERSAL_RESPONSE = "0410"
    NETWORK_REQUEST = "0800"
    NETWORK_RESPONSE = "0810"


RESPONSE_TO: Final[dict[Mti, Mti]] = {
    Mti.AUTHORIZATION_REQUEST: Mti.AUTHORIZATION_RESPONSE,
    Mti.FINANCIAL_REQUEST: Mti.FINANCIAL_RESPONSE,
    Mti.REVERSAL_REQUEST: Mti.REVERSAL_RESPONSE,
    Mti.REVERSAL_REPEAT: Mti.REVERSAL_RESPONSE,
    Mti.NETWORK_REQUEST: Mti.NETWORK_RESPONSE,
}


@dataclass(frozen=True, slots=True)
class MessageDef:
    mti: Mti
    name: str
    mandatory: frozenset[int]
    optional: frozenset[int]


def _m(mti: Mti, name: str, mandatory: set[int], optional: set[int]) -> MessageDef:
    assert not mandatory & optional, mti
    assert (mandatory | optional) <= FIELD_BY_NUMBER.keys(), mti
    return MessageDef(mti, name, frozenset(mandatory), frozenset(optional))


_REQUEST = {3, 4, 7, 11, 12, 13, 22, 25, 32, 37, 41, 42, 49}
_RESPONSE = {3, 4, 7, 11, 37, 39, 41, 49}
_REVERSAL = {3, 4, 7, 11, 12, 13, 32, 37, 39, 41, 42, 49, 90}
MESSAGES: Final[dict[Mti, MessageDef]] = {
    d.mti: d
    for d in (
        _m(Mti.AUTHORIZATION_REQUEST, "Authorization request", _REQUEST | {2}, {14, 18}),
        _m(Mti.AUTHORIZATION_RESPONSE, "Authorization response", _RESPONSE, {38, 42, 44}),
        # A capture or a refund of a known payment names its original (90) instead of the card.
        _m(
            Mti.FINANCIAL_REQUEST,
            "Financial request: sale, capture, refund",
            _REQUEST,
            {2, 14, 18, 38, 90},
        ),
        _m(Mti.FINANCIAL_RESPONSE, "Financial response", _RESPONSE, {38, 42, 44, 90}),
        _m(Mti.REVERSAL_REQUEST, "Reversal request", _REVERSAL, {38}),
        _m(Mti.REVERSAL_REPEAT, "Reversal request, repeat", _REVERSAL, {38}),
        _m(Mti.REVERSAL_RESPONSE, "Reversal response", {7, 11, 39, 41, 90}, {3, 4, 37, 49}),
        _m(Mti.NETWORK_REQUEST, "Network management request", {7, 11, 70}, set()),
        _m(Mti.NETWORK_RESPONSE, "Network management response", {7, 11, 39, 70}, set()),
    )
}


class NetworkCode(StrEnum):
    """Field 70 of a network management message."""

    SIGN_ON = "001"
    SIGN_OFF = "002"
    ECHO = "301"


class ProcessingCode(StrEnum):
    """Field 3: transaction type (2 digits), from account, to account (default 00)."""

    PURCHASE = "000000"
    REFUND = "200000"


class ConditionCode(StrEnum):
    """Field 25."""

    NORMAL = "00"
    PREAUTHORIZED = "06"
    """The 0200 completes (captures) an earlier 0100 named in field 90."""
    ECOMMERCE = "59"


class ReversalReason(StrEnum):
    """Field 39 of a 0400/0401: why the acquirer reverses (ISO 8583:1987 response codes)."""

    CUSTOMER_CANCELLATION = "17"
    """A void: the merchant cancels an authorization."""
    RESPONSE_TOO_LATE = "68"
    """No answer in time: the gateway does not know the outcome, so it takes it back."""


POS_ENTRY_MODE_WALLET: Final = "810"
"""Field 22: PAN from a wallet credential on file ('81'), PIN capability unspecified ('0')."""


def pyiso8583_spec() -> dict[str, dict[str, Any]]:
    """``FIELDS`` in the dictionary form ``iso8583.encode``/``decode`` read."""
    spec: dict[str, dict[str, Any]] = {
        "h": _packer("ascii", 0, 0, "Message header (none)"),
        "t": _packer("ascii", 0, MTI_CHARS, "Message type indicator"),
        "p": _packer("b", 0, BITMAP_BYTES, "Bitmap, primary"),
        "1": _packer("b", 0, BITMAP_BYTES, "Bitmap, secondary"),
    }
    widths = {Length.FIXED: 0, Length.LLVAR: 2, Length.LLLVAR: 3}
    for f in FIELDS:
        encoding = "b" if f.format is Format.B else "ascii"
        spec[str(f.number)] = _packer(encoding, widths[f.length], f.length_max, f.name)
    return spec


def _packer(data_enc: str, len_type: int, max_len: int, desc: str) -> dict[str, Any]:
    return {
        "data_enc": data_enc,
        "len_enc": "ascii",
        "len_type": len_type,
        "max_len": max_len,
        "desc": desc,
    }


PYISO8583_SPEC: Final = pyiso8583_spec()
