"""Card numbers (PANs): checked, masked, and never shown whole.

A ``CardNumber`` prints as its masked form (first 6, last 4), so one that slips into a
log line, an error or a repr shows no more than a receipt would. Its digits are reached
only through ``digits``, on the path to the card vault and the network connector. Errors
about a card number never quote it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, NewType

from qrpay.domain.errors import CardNumberInvalid

CardToken = NewType("CardToken", str)
"""A keyed reference to a card in the vault (``ct_<version>_<32 chars>``); safe to store."""

PAN_DIGITS_MIN: Final = 12
PAN_DIGITS_MAX: Final = 19
SHOWN_FIRST: Final = 6
SHOWN_LAST: Final = 4
_SEPARATORS: Final = str.maketrans("", "", " -")


def luhn_valid(digits: str) -> bool:
    """The ISO/IEC 7812 check digit: double every second digit from the right."""
    assert digits.isascii()
    assert digits.isdigit()
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def mask(digits: str) -> str:
    """First 6 and last 4 digits, the rest as ``*``: the most PCI DSS allows to be shown."""
    assert len(digits) >= SHOWN_FIRST + SHOWN_LAST
    hidden = len(digits) - SHOWN_FIRST - SHOWN_LAST
    return digits[:SHOWN_FIRST] + "*" * hidden + digits[-SHOWN_LAST:]


@dataclass(frozen=True, slots=True)
class CardNumber:
    digits: str = field(repr=False)

    def __post_init__(self) -> None:
        assert self.digits.isascii()
        assert self.digits.isdigit()
        assert PAN_DIGITS_MIN <= len(self.digits) <= PAN_DIGITS_MAX
        assert luhn_valid(self.digits)

    @classmethod
    def parse(cls, text: str) -> CardNumber:
        """Accept digits with spaces or hyphens between them, as people type them."""
        digits = text.strip().translate(_SEPARATORS)
        if not (digits.isascii() and digits.isdigit()):
            raise CardNumberInvalid("a card number has only digits, spaces and hyphens")
        if not PAN_DIGITS_MIN <= len(digits) <= PAN_DIGITS_MAX:
            raise CardNumberInvalid(
                f"a card number has {PAN_DIGITS_MIN} to {PAN_DIGITS_MAX} digits, not {len(digits)}"
            )
        if not luhn_valid(digits):
            raise CardNumberInvalid("the card number's check digit is wrong")
        return cls(digits)

    @property
    def masked(self) -> str:
        return mask(self.digits)

    @property
    def last4(self) -> str:
        return self.digits[-SHOWN_LAST:]

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"CardNumber({self.masked})"
