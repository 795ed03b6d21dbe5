"""Exponential backoff with jitter, for redialling the acquirer and repeating reversals."""

from __future__ import annotations

import random
from typing import Final

SHIFT_MAX: Final = 30
"""Past 2**30 every ceiling is the cap anyway; the bound keeps the shift small."""


def backoff_ms(failures: int, floor_ms: int, cap_ms: int, rng: random.Random) -> int:
    """The wait after ``failures`` failures in a row: floor doubled each time, capped.

    "Equal jitter": half of the wait is fixed and half random, so many gateways that lost
    the same acquirer at once do not redial in step, yet none retries at once.
    """
    assert failures >= 1
    assert 0 < floor_ms <= cap_ms
    ceiling = min(cap_ms, floor_ms << min(failures - 1, SHIFT_MAX))
    return rng.randint(ceiling // 2, ceiling)
