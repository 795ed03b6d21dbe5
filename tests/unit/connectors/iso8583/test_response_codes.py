"""Field 39 to Outcome: one test per row of ``messages.RESPONSE_CODES``.

The expectations are written out again here on purpose: moving a code between hard and
soft changes what the router may retry, so it must fail a test before it ships.
"""

from __future__ import annotations

import pytest

from qrpay.connectors.base import Outcome
from qrpay.connectors.iso8583.messages import RESPONSE_CODES, describe, outcome_for

APPROVED = ["00", "08", "11", "16"]
HARD = ["01", "02", "04", "05", "07", "12", "13", "14", "15", "25", "33", "34", "36", "41"]
HARD += ["43", "54", "56", "57", "59", "62", "75"]
SOFT = ["03", "06", "19", "21", "30", "31", "51", "55", "58", "61", "63", "65", "68", "91"]
SOFT += ["92", "96"]
UNKNOWN = ["10", "94"]
EXPECTED = (
    [(c, Outcome.APPROVED) for c in APPROVED]
    + [(c, Outcome.DECLINED_HARD) for c in HARD]
    + [(c, Outcome.DECLINED_SOFT) for c in SOFT]
    + [(c, Outcome.UNKNOWN) for c in UNKNOWN]
)


@pytest.mark.parametrize(("code", "outcome"), EXPECTED)
def test_response_code_maps_to_its_outcome(code: str, outcome: Outcome) -> None:
    assert outcome_for(code) is outcome
    assert describe(code) == RESPONSE_CODES[code][1]


def test_the_table_has_exactly_the_rows_tested_here() -> None:
    assert sorted(RESPONSE_CODES) == sorted(code for code, _ in EXPECTED)


def test_an_unlisted_code_is_a_soft_decline_never_an_approval() -> None:
    assert outcome_for("Z9") is Outcome.DECLINED_SOFT
    assert "unlisted" in describe("Z9")
