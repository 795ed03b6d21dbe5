"""Webhook endpoints and deliveries: who is told, and what happens after each attempt.

Delivery is at least once. A delivery is one event for one endpoint; each try is an
attempt. ``after_attempt`` is the whole retry rule, pure and clocked from outside:

    2xx                          -> succeeded
    410 Gone                     -> dead, and the endpoint is disabled ("gone")
    anything else (or no answer) -> retried after ``RetryPolicy.delay_ms``, until the first
                                    attempt is ``retry_horizon_ms`` old (72 h by default),
                                    then dead; and when the endpoint has not answered 2xx
                                    to anything in that time, it is disabled ("failing")

A redirect is a failure: the gateway never follows one (the target was not validated).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final, NewType

from qrpay.domain.events import EventId
from qrpay.domain.ids import MerchantId

EndpointId = NewType("EndpointId", str)
DeliveryId = NewType("DeliveryId", str)

ENDPOINT_ID_PREFIX: Final = "we"
DELIVERY_ID_PREFIX: Final = "wd"
DESCRIPTION_CHARS_MAX: Final = 256
HTTP_GONE: Final = 410


class EndpointStatus(StrEnum):
    ENABLED = "enabled"
    DISABLED = "disabled"
    DELETED = "deleted"


class DisabledReason(StrEnum):
    GONE = "gone"
    """The endpoint answered 410 Gone: the merchant took it down."""
    FAILING = "failing"
    """Nothing but failures for the whole retry horizon."""
    MERCHANT = "merchant"
    """The merchant disabled it through the API."""


@dataclass(slots=True)
class WebhookEndpoint:
    id: EndpointId
    merchant_id: MerchantId
    url: str
    event_types: tuple[str, ...]
    status: EndpointStatus
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    disabled_reason: DisabledReason | None = None
    disabled_at: datetime | None = None
    last_success_at: datetime | None = None

    def disable(self, reason: DisabledReason, now: datetime) -> None:
        assert self.status is not EndpointStatus.DELETED
        self.status = EndpointStatus.DISABLED
        self.disabled_reason = reason
        self.disabled_at = now
        self.updated_at = now

    def enable(self, now: datetime) -> None:
        assert self.status is not EndpointStatus.DELETED
        self.status = EndpointStatus.ENABLED
        self.disabled_reason = None
        self.disabled_at = None
        self.updated_at = now


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    DEAD = "dead"
    """Given up: listed as a dead letter until replayed."""


class DeliveryOrigin(StrEnum):
    EVENT = "event"
    """Made by the relay when the event was published."""
    REPLAY = "replay"
    """Made by a replay through the API."""


class DeadReason(StrEnum):
    EXHAUSTED = "exhausted"
    ENDPOINT_GONE = "endpoint_gone"
    ENDPOINT_DISABLED = "endpoint_disabled"
    ENDPOINT_DELETED = "endpoint_deleted"


@dataclass(frozen=True, slots=True)
class Delivery:
    id: DeliveryId
    event_id: EventId
    endpoint_id: EndpointId
    merchant_id: MerchantId
    origin: DeliveryOrigin
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    created_at: datetime
    first_attempt_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_status_code: int | None = None
    last_error: str | None = None
    completed_at: datetime | None = None
    dead_reason: DeadReason | None = None


@dataclass(frozen=True, slots=True)
class AttemptResult:
    """What one HTTP attempt got: a status code, or an error when no response came."""

    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None = None

    def __post_init__(self) -> None:
        assert (self.status_code is None) != (self.error is None), "a status or an error"
        assert self.duration_ms >= 0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter, for at least ``retry_horizon_ms``.

    Defaults: 5 s, 10 s, 20 s ... doubling up to 6 h apart, for 72 h; about 25 attempts.
    """

    first_retry_ms: int = 5_000
    factor: int = 2
    delay_ms_max: int = 6 * 3600 * 1000
    jitter_percent: int = 20
    retry_horizon_ms: int = 72 * 3600 * 1000
    attempts_max: int = 40
    """A bound on the loop whatever the clock does; the horizon is what normally ends it."""

    def __post_init__(self) -> None:
        assert 0 < self.first_retry_ms <= self.delay_ms_max
        assert self.factor >= 1
        assert 0 <= self.jitter_percent < 100
        assert self.retry_horizon_ms > 0
        assert self.attempts_max >= 2
        # The bound must not cut the horizon short, even when every draw is the shortest.
        assert self.shortest_span_ms() >= self.retry_horizon_ms, "attempts_max too small"

    def base_delay_ms(self, failures: int) -> int:
        """The delay after the ``failures``-th failed attempt, before jitter."""
        assert failures >= 1
        delay = self.first_retry_ms
        for _ in range(failures - 1):
            if delay >= self.delay_ms_max:
                break
            delay *= self.factor
        return min(delay, self.delay_ms_max)

    def delay_ms(self, failures: int, rng: random.Random) -> int:
        base = self.base_delay_ms(failures)
        spread = base * self.jitter_percent // 100
        return base + rng.randint(-spread, spread)

    def shortest_span_ms(self) -> int:
        """From the first attempt to the last, when every delay draws its shortest."""
        return sum(
            self.base_delay_ms(n) * (100 - self.jitter_percent) // 100
            for n in range(1, self.attempts_max)
        )


@dataclass(frozen=True, slots=True)
class Decision:
    status: DeliveryStatus
    next_attempt_at: datetime | None
    dead_reason: DeadReason | None = None
    disable_endpoint: DisabledReason | None = None
    endpoint_succeeded: bool = field(default=False)


def after_attempt(
    delivery: Delivery,
    result: AttemptResult,
    endpoint_last_success_at: datetime | None,
    now: datetime,
    policy: RetryPolicy,
    rng: random.Random,
) -> Decision:
    """What the delivery becomes after one more attempt (``delivery.attempts`` excludes it)."""
    assert delivery.status is DeliveryStatus.PENDING
    code = result.status_code
    if code is not None and 200 <= code < 300:
        return Decision(DeliveryStatus.SUCCEEDED, None, endpoint_succeeded=True)
    if code == HTTP_GONE:
        return Decision(DeliveryStatus.DEAD, None, DeadReason.ENDPOINT_GONE, DisabledReason.GONE)
    failures = delivery.attempts + 1
    first = delivery.first_attempt_at or result.started_at
    horizon = timedelta(milliseconds=policy.retry_horizon_ms)
    if now - first < horizon and failures < policy.attempts_max:
        later = now + timedelta(milliseconds=policy.delay_ms(failures, rng))
        return Decision(DeliveryStatus.PENDING, later)
    # Given up. One event an endpoint keeps refusing is that event's problem; an endpoint
    # that refused everything for the whole horizon is down, and is disabled.
    silent = endpoint_last_success_at is None or now - endpoint_last_success_at >= horizon
    return Decision(
        DeliveryStatus.DEAD,
        None,
        DeadReason.EXHAUSTED,
        DisabledReason.FAILING if silent else None,
    )
