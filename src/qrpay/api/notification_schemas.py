"""Request and response bodies of webhooks, events, settlements and reconciliations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from qrpay.api.schemas import Request
from qrpay.domain.webhooks import DESCRIPTION_CHARS_MAX, Delivery, WebhookEndpoint
from qrpay.services.notification_ports import StoredEvent

EVENT_TYPES_MAX = 32


class EndpointCreate(Request):
    url: str = Field(description="https URL (http only in demo mode); no private addresses.")
    events: list[str] = Field(
        min_length=1,
        max_length=EVENT_TYPES_MAX,
        description='Event types to receive, e.g. ["payment.succeeded"]; "*" for all.',
    )
    description: str | None = Field(None, max_length=DESCRIPTION_CHARS_MAX)


class EndpointUpdate(Request):
    url: str | None = None
    events: list[str] | None = Field(None, min_length=1, max_length=EVENT_TYPES_MAX)
    description: str | None = Field(None, max_length=DESCRIPTION_CHARS_MAX)
    enabled: bool | None = Field(None, description="false disables; true enables again.")


class EndpointOut(BaseModel):
    id: str
    url: str
    events: list[str]
    description: str | None
    status: str
    disabled_reason: str | None = Field(
        description="gone (it answered 410), failing (72 h of failures) or merchant."
    )
    disabled_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, e: WebhookEndpoint) -> EndpointOut:
        return cls(
            id=e.id,
            url=e.url,
            events=list(e.event_types),
            description=e.description,
            status=e.status.value,
            disabled_reason=None if e.disabled_reason is None else e.disabled_reason.value,
            disabled_at=e.disabled_at,
            created_at=e.created_at,
            updated_at=e.updated_at,
        )


class EndpointWithSecret(EndpointOut):
    secret: str = Field(description='"whsec_" + base64; shown once. Verify signatures with it.')


class EndpointList(BaseModel):
    data: list[EndpointOut]


class SecretRotated(BaseModel):
    endpoint: EndpointOut
    secret: str = Field(description="The new secret, shown once.")
    previous_secret_expires_at: datetime = Field(
        description="Until then both secrets sign each delivery (two v1 signatures)."
    )


class EventOut(BaseModel):
    id: str
    type: str
    position: int | None
    created_at: datetime
    data: dict[str, Any]

    @classmethod
    def of(cls, stored: StoredEvent) -> EventOut:
        e = stored.event
        payload = e.payload()
        return cls(
            id=e.id,
            type=e.type.value,
            position=stored.position,
            created_at=e.created_at,
            data=payload["data"],
        )


class EventList(BaseModel):
    data: list[EventOut]
    has_more: bool
    next_after: str | None = Field(description="Pass as ?after= for the next page.")


class DeliveryOut(BaseModel):
    id: str
    event_id: str
    endpoint_id: str
    origin: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    dead_reason: str | None
    created_at: datetime

    @classmethod
    def of(cls, d: Delivery) -> DeliveryOut:
        return cls(
            id=d.id,
            event_id=d.event_id,
            endpoint_id=d.endpoint_id,
            origin=d.origin.value,
            status=d.status.value,
            attempts=d.attempts,
            next_attempt_at=d.next_attempt_at,
            last_attempt_at=d.last_attempt_at,
            last_status_code=d.last_status_code,
            last_error=d.last_error,
            dead_reason=None if d.dead_reason is None else d.dead_reason.value,
            created_at=d.created_at,
        )


class DeliveryList(BaseModel):
    data: list[DeliveryOut]
    has_more: bool


class ReplayRange(Request):
    from_: datetime = Field(alias="from", description="Events created at or after (ISO 8601).")
    to: datetime = Field(description="Events created before (ISO 8601).")


class Replayed(BaseModel):
    deliveries: int = Field(description="New deliveries queued, one per event and endpoint.")
    events: list[str]


class SettlementOut(BaseModel):
    business_day: str
    merchant_id: str
    network: str
    currency: str
    count: int
    gross_minor: int
    refunds_minor: int
    fees_minor: int
    net_minor: int


class SettlementList(BaseModel):
    business_day: str
    timezone: str
    cutoff: str
    window_start: datetime
    window_end: datetime
    data: list[SettlementOut]
