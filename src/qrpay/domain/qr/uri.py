"""UPI payment links: ``upi://pay?pa=VPA&pn=NAME&am=AMOUNT&cu=INR&tr=REF``.

Parameters are percent-decoded strictly: a '%' not followed by two hex digits, or escapes
that are not UTF-8, are refused rather than guessed. A repeated parameter is refused too,
since two readers could pick different copies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote, unquote_to_bytes

from qrpay.domain.errors import QrError, QrReason

URI_PREFIX: Final = "upi://pay"
URI_CHARS_MAX: Final = 2048
UPI_CURRENCY: Final = "INR"
_AMOUNT_RE: Final = re.compile(r"[0-9]{1,10}(?:\.[0-9]{1,2})?\Z")
_ESCAPE_RE: Final = re.compile(r"%(?![0-9A-Fa-f]{2})")


@dataclass(frozen=True, slots=True)
class UpiLink:
    parameters: dict[str, str]

    @property
    def payee_address(self) -> str:
        return self.parameters["pa"]

    @property
    def payee_name(self) -> str | None:
        return self.parameters.get("pn")

    @property
    def amount(self) -> str | None:
        return self.parameters.get("am")

    @property
    def currency(self) -> str:
        return self.parameters.get("cu", UPI_CURRENCY)

    @property
    def reference(self) -> str | None:
        return self.parameters.get("tr")


def is_upi(payload: str) -> bool:
    return payload[:6].lower() == "upi://"


def decode(payload: str, *, payload_chars_max: int = URI_CHARS_MAX) -> UpiLink:
    if len(payload) > payload_chars_max:
        raise QrError(
            QrReason.PAYLOAD_TOO_LONG,
            f"the link has {len(payload)} characters, more than {payload_chars_max}",
            position=payload_chars_max,
        )
    head, _, query = payload.partition("?")
    if head.lower() != URI_PREFIX:
        raise QrError(QrReason.URI_SCHEME, f"expected '{URI_PREFIX}?...', got {head!r}", position=0)
    parameters, positions = _parameters(query, len(head) + 1)
    _check(parameters, positions)
    return UpiLink(parameters)


def encode(link: UpiLink) -> str:
    query = "&".join(f"{k}={quote(v, safe='@.-_:/')}" for k, v in link.parameters.items())
    text = f"{URI_PREFIX}?{query}"
    decode(text)
    return text


def _parameters(query: str, offset: int) -> tuple[dict[str, str], dict[str, int]]:
    """The decoded parameters, and where each one's name starts in the link."""
    parameters: dict[str, str] = {}
    positions: dict[str, int] = {}
    position = offset
    for part in query.split("&"):
        name, _, raw = part.partition("=")
        if name in parameters:
            raise QrError(
                QrReason.URI_DUPLICATE_PARAMETER,
                f"parameter {name!r} appears more than once",
                field=name,
                position=position,
            )
        if name:
            parameters[name] = _unquote(raw, name, position + len(name) + 1)
            positions[name] = position
        position += len(part) + 1
    return parameters, positions


def _unquote(raw: str, name: str, position: int) -> str:
    bad = _ESCAPE_RE.search(raw)
    if bad is not None:
        raise QrError(
            QrReason.URI_BAD_PERCENT_ESCAPE,
            f"{name} has a '%' that is not followed by two hex digits",
            field=name,
            position=position + bad.start(),
        )
    if "%" not in raw:
        return raw
    try:
        return unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QrError(
            QrReason.URI_BAD_PERCENT_ESCAPE,
            f"{name} escapes bytes that are not UTF-8",
            field=name,
            position=position,
        ) from exc


def _check(parameters: dict[str, str], positions: dict[str, int]) -> None:
    if not parameters.get("pa"):
        raise QrError(
            QrReason.URI_MISSING_PA, "the payee address (pa) is missing", field="pa", position=0
        )
    amount = parameters.get("am")
    if amount is not None and not _AMOUNT_RE.match(amount):
        raise QrError(
            QrReason.URI_AMOUNT_FORMAT,
            f"amount {amount!r} is not rupees with at most two decimals",
            field="am",
            position=positions["am"],
        )
    currency = parameters.get("cu")
    if currency is not None and currency != UPI_CURRENCY:
        raise QrError(
            QrReason.URI_CURRENCY,
            f"currency {currency!r}; UPI links pay in INR",
            field="cu",
            position=positions["cu"],
        )
