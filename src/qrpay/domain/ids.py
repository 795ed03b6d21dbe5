"""Identifiers: a type per noun, and a generator that is deterministic when seeded.

An id is a prefix and 20 Crockford base32 characters: 9 for the creation time in
milliseconds (so ids sort by creation, which cursor pagination relies on) and 11 for 55
random bits. "chk_" + 20 characters is 24, inside the 25 that EMVCo allows for the
reference label (62.05) that carries a checkout id in its QR code.

Ids are not secrets: credentials come from ``secrets`` elsewhere. Seeding the generator's
random source replays a whole run with the same ids.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from typing import Final, NewType

MerchantId = NewType("MerchantId", str)
StoreId = NewType("StoreId", str)
TerminalId = NewType("TerminalId", str)
WalletId = NewType("WalletId", str)
AccountId = NewType("AccountId", str)
TransferId = NewType("TransferId", str)
PaymentId = NewType("PaymentId", str)
AttemptId = NewType("AttemptId", str)
RefundId = NewType("RefundId", str)
CheckoutId = NewType("CheckoutId", str)
ApiKeyId = NewType("ApiKeyId", str)
QuoteId = NewType("QuoteId", str)

_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TIME_CHARS: Final = 9
RANDOM_CHARS: Final = 11
ID_BODY_CHARS: Final = TIME_CHARS + RANDOM_CHARS


def _base32(value: int, width: int) -> str:
    chars = []
    for _ in range(width):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    assert value == 0, "value wider than the field"
    return "".join(reversed(chars))


class IdGenerator:
    def __init__(self, now: Callable[[], datetime], rng: random.Random) -> None:
        self._now = now
        self._rng = rng

    def new(self, prefix: str) -> str:
        assert prefix.isascii(), prefix
        assert prefix.islower(), prefix
        assert len(prefix) <= 4, prefix
        millis = int(self._now().timestamp() * 1000)
        body = _base32(millis, TIME_CHARS) + _base32(self._rng.getrandbits(55), RANDOM_CHARS)
        return f"{prefix}_{body}"
