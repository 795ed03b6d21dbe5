"""The retry rule: backoff with jitter for at least 72 hours, 410 disables, 2xx ends."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from qrpay.domain.events import EventId
from qrpay.domain.ids import MerchantId
from qrpay.domain.webhooks import (
    AttemptResult,
    DeadReason,
    Delivery,
    DeliveryId,
    DeliveryOrigin,
    DeliveryStatus,
    DisabledReason,
    EndpointId,
    RetryPolicy,
    after_attempt,
)

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
POLICY = RetryPolicy()


def _delivery(attempts: int = 0, first: datetime | None = None) -> Delivery:
    return Delivery(
        DeliveryId("wd_1"),
        EventId("evt_1"),
        EndpointId("we_1"),
        MerchantId("mer_1"),
        DeliveryOrigin.EVENT,
        DeliveryStatus.PENDING,
        attempts,
        T0,
        T0,
        first_attempt_at=first,
    )


def _failed(at: datetime, status: int | None = 500) -> AttemptResult:
    if status is None:
        return AttemptResult(at, 10, None, "timed out")
    return AttemptResult(at, 10, status)


def test_the_first_retry_comes_within_about_five_seconds() -> None:
    rng = random.Random(1)
    for _ in range(200):
        decision = after_attempt(_delivery(), _failed(T0), None, T0, POLICY, rng)
        assert decision.status is DeliveryStatus.PENDING
        assert decision.next_attempt_at is not None
        delay = decision.next_attempt_at - T0
        assert timedelta(seconds=4) <= delay <= timedelta(seconds=6)


def test_a_failing_delivery_is_retried_for_at_least_72_hours_then_dead() -> None:
    # given a fake clock that jumps to each next attempt
    rng = random.Random(7)
    delivery = _delivery()
    now = T0
    delays: list[timedelta] = []
    while True:
        decision = after_attempt(delivery, _failed(now), None, now, POLICY, rng)
        if decision.status is not DeliveryStatus.PENDING:
            break
        assert decision.next_attempt_at is not None
        delays.append(decision.next_attempt_at - now)
        delivery = Delivery(
            **{
                **{f: getattr(delivery, f) for f in delivery.__dataclass_fields__},
                "attempts": delivery.attempts + 1,
                "first_attempt_at": delivery.first_attempt_at or now,
            }
        )
        now = decision.next_attempt_at
    # then the last attempt is at least 72 h after the first, and the bound was not reached
    assert now - T0 >= timedelta(hours=72)
    assert decision.status is DeliveryStatus.DEAD
    assert decision.dead_reason is DeadReason.EXHAUSTED
    assert decision.disable_endpoint is DisabledReason.FAILING
    assert delivery.attempts + 1 < POLICY.attempts_max
    assert max(delays) <= timedelta(hours=7, minutes=12)  # the 6 h cap plus 20 % jitter
    assert 20 <= len(delays) <= 30


def test_backoff_doubles_up_to_its_cap() -> None:
    assert [POLICY.base_delay_ms(n) // 1000 for n in range(1, 6)] == [5, 10, 20, 40, 80]
    assert POLICY.base_delay_ms(30) == POLICY.delay_ms_max


def test_a_policy_whose_bound_would_cut_the_horizon_short_is_refused() -> None:
    with pytest.raises(AssertionError, match="attempts_max"):
        RetryPolicy(attempts_max=5)


def test_410_gone_kills_the_delivery_and_disables_the_endpoint() -> None:
    decision = after_attempt(_delivery(), _failed(T0, 410), None, T0, POLICY, random.Random(1))
    assert decision.status is DeliveryStatus.DEAD
    assert decision.dead_reason is DeadReason.ENDPOINT_GONE
    assert decision.disable_endpoint is DisabledReason.GONE


@pytest.mark.parametrize("status", [200, 201, 204, 299])
def test_any_2xx_succeeds(status: int) -> None:
    decision = after_attempt(_delivery(), _failed(T0, status), None, T0, POLICY, random.Random(1))
    assert decision.status is DeliveryStatus.SUCCEEDED
    assert decision.endpoint_succeeded


@pytest.mark.parametrize("status", [None, 301, 302, 400, 404, 429, 500, 503])
def test_redirects_errors_and_silence_are_retried(status: int | None) -> None:
    decision = after_attempt(_delivery(), _failed(T0, status), None, T0, POLICY, random.Random(1))
    assert decision.status is DeliveryStatus.PENDING


def test_an_endpoint_that_answered_recently_is_not_disabled_by_one_dead_delivery() -> None:
    late = T0 + timedelta(hours=73)
    recent = late - timedelta(hours=1)
    decision = after_attempt(
        _delivery(attempts=24, first=T0), _failed(late), recent, late, POLICY, random.Random(1)
    )
    assert decision.status is DeliveryStatus.DEAD
    assert decision.disable_endpoint is None
