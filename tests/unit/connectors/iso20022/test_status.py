"""The pacs.002 table: one test per status and per reason code, against a list written here.

The expected outcomes are spelled out again on purpose: a change to the table must change
this list too, in review.
"""

from __future__ import annotations

import pytest

from qrpay.connectors.base import Outcome
from qrpay.connectors.iso20022.status import REASONS, TRANSACTION_STATUSES, is_final, outcome_of

HARD = Outcome.DECLINED_HARD
SOFT = Outcome.DECLINED_SOFT

EXPECTED_STATUSES = {
    "ACSC": Outcome.APPROVED,
    "ACCC": Outcome.APPROVED,
    "ACSP": Outcome.PENDING,
    "ACCP": Outcome.PENDING,
    "ACTC": Outcome.PENDING,
    "ACWC": Outcome.PENDING,
    "ACWP": Outcome.PENDING,
    "ACFC": Outcome.PENDING,
    "ACIS": Outcome.PENDING,
    "PATC": Outcome.PENDING,
    "PDNG": Outcome.PENDING,
    "RCVD": Outcome.PENDING,
    "BLCK": HARD,
    "CANC": HARD,
}

SOFT_REASONS = {
    "AB01", "AB02", "AB03", "AB04", "AB05", "AB06", "AB07", "AB08", "AB09", "AB10", "AB11",
    "AG10", "AG11", "AM04", "AM13", "AM23", "ED05", "MS03", "NOOR", "TM01",
}  # fmt: skip
HARD_REASONS = {
    "AC01", "AC02", "AC03", "AC04", "AC05", "AC06", "AC07", "AC09", "AC10", "AC11", "AC13",
    "AC14", "AG01", "AG02", "AG03", "AGNT", "AM01", "AM02", "AM03", "AM05", "AM06", "AM09",
    "AM12", "AM14", "BE01", "BE04", "BE05", "BE06", "BE07", "CNOR", "DNOR", "DUPL", "FF01",
    "FF02", "FRAD", "MD07", "MS02", "NARR", "RC01", "RR01", "RR02", "RR03", "RR04",
}  # fmt: skip


@pytest.mark.parametrize(("tx_status", "expected"), sorted(EXPECTED_STATUSES.items()))
def test_a_status_maps_to_its_outcome(tx_status: str, expected: Outcome) -> None:
    assert outcome_of(tx_status, None) is expected


@pytest.mark.parametrize("reason", sorted(SOFT_REASONS))
def test_a_rejection_for_a_passing_condition_is_a_soft_decline(reason: str) -> None:
    assert outcome_of("RJCT", reason) is SOFT


@pytest.mark.parametrize("reason", sorted(HARD_REASONS))
def test_a_rejection_for_the_payment_itself_is_a_hard_decline(reason: str) -> None:
    assert outcome_of("RJCT", reason) is HARD


def test_the_lists_here_cover_the_whole_table_and_nothing_else() -> None:
    assert set(REASONS) == SOFT_REASONS | HARD_REASONS
    assert not SOFT_REASONS & HARD_REASONS
    assert set(TRANSACTION_STATUSES) == set(EXPECTED_STATUSES) | {"RJCT"}


def test_every_reason_has_a_name_in_iso_style() -> None:
    for code, reason in REASONS.items():
        assert len(code) == 4, code
        assert reason.name[0].isupper(), code
        assert " " not in reason.name, code


@pytest.mark.parametrize("reason", [None, "", "ZZ99"])
def test_a_rejection_whose_reason_is_missing_or_unknown_is_a_hard_decline(
    reason: str | None,
) -> None:
    assert outcome_of("RJCT", reason) is HARD


@pytest.mark.parametrize("tx_status", ["", "ZZZZ", "acsc"])
def test_an_unknown_status_is_unknown_so_the_connector_inquires(tx_status: str) -> None:
    assert outcome_of(tx_status, None) is Outcome.UNKNOWN


def test_a_reason_code_does_not_turn_an_acceptance_into_a_decline() -> None:
    assert outcome_of("ACSC", "AC01") is Outcome.APPROVED


@pytest.mark.parametrize(
    ("outcome", "final"),
    [
        (Outcome.APPROVED, True),
        (HARD, True),
        (SOFT, True),
        (Outcome.PENDING, False),
        (Outcome.UNKNOWN, False),
    ],
)
def test_only_approvals_and_declines_are_final(outcome: Outcome, final: bool) -> None:
    assert is_final(outcome) is final
