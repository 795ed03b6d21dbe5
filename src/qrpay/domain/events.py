"""Merchant events: what the gateway tells a merchant happened, and the payload it sends.

An event is written in the same database transaction as the change it describes (the
transactional outbox), so a rolled-back payment leaves no event and a committed one always
has its event. Events are facts, named in the past tense; their types are published and
never renamed. The payload is the Standard Webhooks shape: ``type``, ``timestamp`` and the
object in ``data``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Final, NewType

from qrpay.domain.ids import MerchantId

EventId = NewType("EventId", str)

EVENT_ID_PREFIX: Final = "evt"
ALL_TYPES: Final = "*"
"""An endpoint filter that takes every event type, present and future."""
EVENT_DATA_KEYS_MAX: Final = 64


class EventType(StrEnum):
    """Published event types. Never rename or reuse one."""

    CHECKOUT_COMPLETED = "checkout.completed"
    CHECKOUT_EXPIRED = "checkout.expired"
    PAYMENT_SUCCEEDED = "payment.succeeded"
    PAYMENT_FAILED = "payment.failed"
    PAYMENT_REFUNDED = "payment.refunded"
    REFUND_FAILED = "refund.failed"
    WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint.disabled"


@dataclass(frozen=True, slots=True)
class Event:
    id: EventId
    type: EventType
    merchant_id: MerchantId
    object_id: str
    """The id of the object the event is about (a payment, a checkout, an endpoint)."""
    data: dict[str, Any]
    created_at: datetime

    def __post_init__(self) -> None:
        assert self.created_at.tzinfo is not None, "event times are UTC, never naive"
        assert self.id.startswith(EVENT_ID_PREFIX + "_"), self.id
        assert len(self.data) <= EVENT_DATA_KEYS_MAX

    def payload(self) -> dict[str, Any]:
        """The body a webhook carries and ``GET /v1/events`` shows."""
        return {
            "id": self.id,
            "type": self.type.value,
            "timestamp": self.created_at.isoformat(),
            "data": {"object_id": self.object_id, **self.data},
        }


def parse_filter(types: Iterable[str]) -> tuple[str, ...]:
    """An endpoint's filter, checked and in a stable order; ``ValueError`` names a bad type."""
    chosen = sorted(set(types))
    known = {t.value for t in EventType}
    for name in chosen:
        if name != ALL_TYPES and name not in known:
            raise ValueError(name)
    if not chosen:
        raise ValueError("")
    return tuple(chosen)


def subscribed(filter_types: Iterable[str], event_type: EventType) -> bool:
    """Whether an endpoint with this filter wants events of this type."""
    return any(name in (ALL_TYPES, event_type.value) for name in filter_types)
