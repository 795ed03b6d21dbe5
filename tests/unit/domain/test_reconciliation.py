"""The matching engine, one row per case of its table."""

from __future__ import annotations

import pytest

from qrpay.domain.reconciliation import (
    GatewayOutcome,
    GatewayRecord,
    MismatchKind,
    NetworkRecord,
    RecordKind,
    reconcile,
)

A, D, U = GatewayOutcome.APPROVED, GatewayOutcome.DECLINED, GatewayOutcome.UNKNOWN


def g(outcome: GatewayOutcome, amount: int = 100) -> GatewayRecord:
    return GatewayRecord("K", RecordKind.PAYMENT, amount, "THB", outcome, "pay_1", "att_1")


def n(moved: bool, amount: int = 100, currency: str = "THB") -> NetworkRecord:
    status = "approved" if moved else "declined"
    return NetworkRecord("K", RecordKind.PAYMENT, amount, currency, moved, status)


@pytest.mark.parametrize(
    ("gateway", "network", "mismatch", "matched"),
    [
        (g(A), n(True), None, 1),
        (g(D), n(False), None, 1),
        (g(D), None, None, 0),
        (None, n(False), None, 0),
        (g(A), None, MismatchKind.MISSING_AT_NETWORK, 0),
        (None, n(True), MismatchKind.MISSING_AT_GATEWAY, 0),
        (g(A), n(True, 101), MismatchKind.AMOUNT_MISMATCH, 0),
        (g(A), n(True, 100, "USD"), MismatchKind.AMOUNT_MISMATCH, 0),
        (g(A), n(False), MismatchKind.STATUS_MISMATCH, 0),
        (g(D), n(True), MismatchKind.STATUS_MISMATCH, 0),
        (g(U), n(True), MismatchKind.STATUS_MISMATCH, 0),
        (g(U), None, None, 0),
    ],
)
def test_each_pair_makes_at_most_one_mismatch(
    gateway: GatewayRecord | None,
    network: NetworkRecord | None,
    mismatch: MismatchKind | None,
    matched: int,
) -> None:
    result = reconcile([gateway] if gateway else [], [network] if network else [])
    assert [m.kind for m in result.mismatches] == ([mismatch] if mismatch else [])
    assert result.matched == matched


def test_an_unknown_outcome_is_resolved_by_the_report() -> None:
    approved = reconcile([g(U)], [n(True)]).resolutions
    failed = reconcile([g(U)], []).resolutions
    assert [r.approved for r in approved] == [True]
    assert [r.approved for r in failed] == [False]
    assert reconcile([g(A)], [n(True)]).resolutions == ()
