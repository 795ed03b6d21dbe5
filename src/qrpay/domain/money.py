"""Money: integer minor units and an ISO 4217 currency, never a float.

Amounts cross the HTTP API as integers in minor units. The only text form is the one QR
codes carry in data object 54 ("12.34"), parsed with the currency's exponent: JPY takes no
decimals, BHD three, and a digit beyond the exponent is refused, never rounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from qrpay.domain.currency import Currency, currency
from qrpay.domain.errors import AmountFormat, AmountNotPositive, CurrencyMismatch, TooManyDecimals

_DECIMAL_RE: Final = re.compile(r"([0-9]*)(?:\.([0-9]*))?\Z")
AMOUNT_MINOR_MAX: Final = 10**15
"""A ceiling far above any payment, so sums of amounts stay exact in a 64-bit column."""


@dataclass(frozen=True, slots=True)
class Money:
    amount_minor: int
    currency: Currency

    def __post_init__(self) -> None:
        assert type(self.amount_minor) is int, "amounts are int minor units"
        assert -AMOUNT_MINOR_MAX <= self.amount_minor <= AMOUNT_MINOR_MAX

    @classmethod
    def of(cls, amount_minor: int, code: str) -> Money:
        return cls(amount_minor, currency(code))

    @classmethod
    def positive(cls, amount_minor: int, code: str) -> Money:
        """An amount a caller asked to move: more than zero, within the ceiling."""
        if type(amount_minor) is not int or not 0 < amount_minor <= AMOUNT_MINOR_MAX:
            raise AmountNotPositive(
                f"amount must be a whole number of minor units, 1 to {AMOUNT_MINOR_MAX}"
            )
        return cls(amount_minor, currency(code))

    @classmethod
    def parse(cls, text: str, code: str) -> Money:
        """Parse a QR amount such as "12.34" with the currency's exponent."""
        unit = currency(code)
        match = _DECIMAL_RE.match(text)
        if match is None or not text or text == ".":
            raise AmountFormat(f"amount {text!r} is not a decimal number")
        whole, fraction = match.group(1), match.group(2) or ""
        digits = fraction.rstrip("0")
        if len(digits) > unit.exponent:
            raise TooManyDecimals(
                f"{unit.code} has {unit.exponent} decimal places; {text!r} has more"
            )
        minor = int(whole or "0") * 10**unit.exponent + int(digits.ljust(unit.exponent, "0") or "0")
        if minor > AMOUNT_MINOR_MAX:
            raise AmountFormat(f"amount {text!r} is above the ceiling")
        return cls(minor, unit)

    def format(self) -> str:
        """The decimal text a QR code carries: "12.34", "1000" for JPY."""
        exponent = self.currency.exponent
        sign = "-" if self.amount_minor < 0 else ""
        value = abs(self.amount_minor)
        if exponent == 0:
            return f"{sign}{value}"
        whole, fraction = divmod(value, 10**exponent)
        return f"{sign}{whole}.{fraction:0{exponent}d}"

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(
                f"cannot combine {self.currency.code} with {other.currency.code}"
            )

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount_minor - other.amount_minor, self.currency)

    def __str__(self) -> str:
        return f"{self.format()} {self.currency.code}"
