"""ISO 4217 currencies: alphabetic code, numeric code and minor-unit exponent.

The table comes from the ``iso4217`` package (the ISO maintenance agency's list). Funds and
precious-metal codes without minor units (XAU, XDR...) are left out: nothing is paid in them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import iso4217

from qrpay.domain.errors import UnknownCurrency


@dataclass(frozen=True, slots=True)
class Currency:
    code: str
    """Alphabetic code, e.g. "THB"."""
    number: str
    """Numeric code as three digits, e.g. "764" (what EMVCo puts in data object 53)."""
    exponent: int
    """Minor-unit digits: JPY 0, THB 2, BHD 3."""


_BY_CODE: Final = {
    c.code: Currency(c.code, f"{c.number:03d}", c.exponent)
    for c in iso4217.Currency
    if c.exponent is not None
}
_BY_NUMBER: Final = {c.number: c for c in _BY_CODE.values()}


def currency(code_or_number: str) -> Currency:
    """Look a currency up by "THB" or "764"; raise ``UnknownCurrency`` otherwise."""
    found = _BY_CODE.get(code_or_number.upper()) or _BY_NUMBER.get(code_or_number)
    if found is None:
        raise UnknownCurrency(f"{code_or_number!r} is not an ISO 4217 currency with minor units")
    return found


def currency_number(code_or_number: str) -> str:
    return currency(code_or_number).number
