"""Merchant commands on webhook endpoints, secrets, dead letters and replays.

Endpoints belong to one merchant: another merchant's id answers "not found", like an id
that does not exist. Creating an endpoint or rotating its secret returns the secret once
("whsec_..."); the gateway never shows it again (it can derive it; see webhook_secrets.py).
A replay makes a new delivery of the event to each of the merchant's enabled endpoints
that want it now; the webhook-id stays the event's id, so a receiver that already
processed it recognises it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from qrpay.adapters.webhooks.addresses import Resolver, check_endpoint_url, system_resolver
from qrpay.domain.errors import (
    NotFound,
    ReplayRangeInvalid,
    WebhookEndpointsFull,
    WebhookEventTypeUnknown,
)
from qrpay.domain.events import Event, EventId, parse_filter, subscribed
from qrpay.domain.ids import MerchantId
from qrpay.domain.webhook_signing import secret_text
from qrpay.domain.webhook_urls import UrlPolicy
from qrpay.domain.webhooks import (
    DELIVERY_ID_PREFIX,
    ENDPOINT_ID_PREFIX,
    DeadReason,
    Delivery,
    DeliveryId,
    DeliveryOrigin,
    DeliveryStatus,
    DisabledReason,
    EndpointId,
    EndpointStatus,
    WebhookEndpoint,
)
from qrpay.services.context import Context
from qrpay.services.notification_ports import SecretGeneration
from qrpay.services.unit_of_work import UnitOfWork
from qrpay.services.webhook_secrets import WebhookSecrets

ENDPOINTS_PER_MERCHANT_MAX: Final = 16
REPLAY_EVENTS_MAX: Final = 1_000
"""The most events one range replay may resend; a longer range is refused, not cut."""
REPLAY_RANGE_DAYS_MAX: Final = 31
SECRET_OVERLAP_S_DEFAULT: Final = 24 * 3600


@dataclass(frozen=True)
class WebhookSettings:
    secrets: WebhookSecrets
    urls: UrlPolicy
    resolver: Resolver = system_resolver
    secret_overlap_s: int = SECRET_OVERLAP_S_DEFAULT
    """How long a rotated-out secret keeps signing beside the new one."""
    endpoints_per_merchant_max: int = ENDPOINTS_PER_MERCHANT_MAX


@dataclass(frozen=True, slots=True)
class EndpointChange:
    url: str | None = None
    event_types: tuple[str, ...] | None = None
    description: str | None = None
    enabled: bool | None = None


def _filter(types: tuple[str, ...]) -> tuple[str, ...]:
    try:
        return parse_filter(types)
    except ValueError as exc:
        raise WebhookEventTypeUnknown(f"unknown event type {str(exc)!r}") from exc


async def create_endpoint(
    ctx: Context,
    uow: UnitOfWork,
    settings: WebhookSettings,
    merchant_id: MerchantId,
    url: str,
    event_types: tuple[str, ...],
    description: str | None = None,
) -> tuple[WebhookEndpoint, str]:
    """A new enabled endpoint and its secret, "whsec_...", shown this once."""
    types = _filter(event_types)
    checked = await check_endpoint_url(url, settings.urls, settings.resolver)
    existing = await uow.webhooks.endpoints(merchant_id)
    if len(existing) >= settings.endpoints_per_merchant_max:
        raise WebhookEndpointsFull(
            f"a merchant has at most {settings.endpoints_per_merchant_max} webhook endpoints"
        )
    now = ctx.now()
    endpoint = WebhookEndpoint(
        id=EndpointId(ctx.ids.new(ENDPOINT_ID_PREFIX)),
        merchant_id=merchant_id,
        url=checked.text,
        event_types=types,
        status=EndpointStatus.ENABLED,
        created_at=now,
        updated_at=now,
        description=description,
    )
    await uow.webhooks.add_endpoint(endpoint)
    secret = await _new_generation(uow, settings, endpoint.id, 1, now)
    return endpoint, secret


async def get_endpoint(
    uow: UnitOfWork, merchant_id: MerchantId, endpoint_id: str
) -> WebhookEndpoint:
    endpoint = await uow.webhooks.get_endpoint(EndpointId(endpoint_id))
    if (
        endpoint is None
        or endpoint.merchant_id != merchant_id
        or endpoint.status is EndpointStatus.DELETED
    ):
        raise NotFound("webhook endpoint", endpoint_id)
    return endpoint


async def update_endpoint(
    ctx: Context,
    uow: UnitOfWork,
    settings: WebhookSettings,
    merchant_id: MerchantId,
    endpoint_id: str,
    change: EndpointChange,
) -> WebhookEndpoint:
    endpoint = await get_endpoint(uow, merchant_id, endpoint_id)
    now = ctx.now()
    if change.url is not None:
        endpoint.url = (await check_endpoint_url(change.url, settings.urls, settings.resolver)).text
    if change.event_types is not None:
        endpoint.event_types = _filter(change.event_types)
    if change.description is not None:
        endpoint.description = change.description
    if change.enabled is True and endpoint.status is EndpointStatus.DISABLED:
        endpoint.enable(now)
    elif change.enabled is False and endpoint.status is EndpointStatus.ENABLED:
        # Deliveries before their endpoint: the lock order of adapters/db/webhooks.py.
        await uow.webhooks.end_pending(endpoint.id, DeadReason.ENDPOINT_DISABLED, now)
        endpoint.disable(DisabledReason.MERCHANT, now)
    endpoint.updated_at = now
    await uow.webhooks.update_endpoint(endpoint)
    return endpoint


async def delete_endpoint(
    ctx: Context, uow: UnitOfWork, merchant_id: MerchantId, endpoint_id: str
) -> WebhookEndpoint:
    """Deleted endpoints disappear from the API; their deliveries stay, as dead letters."""
    endpoint = await get_endpoint(uow, merchant_id, endpoint_id)
    now = ctx.now()
    await uow.webhooks.end_pending(endpoint.id, DeadReason.ENDPOINT_DELETED, now)
    endpoint.status = EndpointStatus.DELETED
    endpoint.updated_at = now
    await uow.webhooks.update_endpoint(endpoint)
    return endpoint


async def rotate_secret(
    ctx: Context,
    uow: UnitOfWork,
    settings: WebhookSettings,
    merchant_id: MerchantId,
    endpoint_id: str,
) -> tuple[WebhookEndpoint, str, datetime]:
    """A new secret; the previous one signs beside it until the returned instant."""
    endpoint = await get_endpoint(uow, merchant_id, endpoint_id)
    now = ctx.now()
    current = (await uow.webhooks.secrets(endpoint.id))[0]
    until = now + timedelta(seconds=settings.secret_overlap_s)
    await uow.webhooks.expire_secret(endpoint.id, current.generation, until)
    secret = await _new_generation(uow, settings, endpoint.id, current.generation + 1, now)
    return endpoint, secret, until


async def _new_generation(
    uow: UnitOfWork,
    settings: WebhookSettings,
    endpoint_id: EndpointId,
    generation: int,
    now: datetime,
) -> str:
    settings.secrets.ensure_key()
    version = settings.secrets.current_version()
    await uow.webhooks.add_secret(SecretGeneration(endpoint_id, generation, version, now))
    return secret_text(settings.secrets.derive(endpoint_id, generation, version))


async def live_secrets(
    uow: UnitOfWork, settings: WebhookSettings, endpoint_id: EndpointId, now: datetime
) -> list[bytes]:
    """The secrets that sign an attempt now: the current one and any still overlapping."""
    generations = [g for g in await uow.webhooks.secrets(endpoint_id) if g.live(now)]
    assert generations, f"endpoint {endpoint_id} has a live secret"
    return settings.secrets.signing(generations[:2])


async def replay_event(
    ctx: Context, uow: UnitOfWork, merchant_id: MerchantId, event_id: str
) -> list[Delivery]:
    stored = await uow.events.get(EventId(event_id))
    if stored is None or stored.event.merchant_id != merchant_id or stored.position is None:
        raise NotFound("event", event_id)
    return await _deliver_again(ctx, uow, [stored.event])


async def replay_range(
    ctx: Context, uow: UnitOfWork, merchant_id: MerchantId, start: datetime, end: datetime
) -> list[Delivery]:
    """Resend the merchant's events created in [start, end) to the endpoints that want them."""
    if not start < end or end - start > timedelta(days=REPLAY_RANGE_DAYS_MAX):
        raise ReplayRangeInvalid(
            f"'from' must come before 'to', at most {REPLAY_RANGE_DAYS_MAX} days apart"
        )
    found = await uow.events.between(merchant_id, start, end, REPLAY_EVENTS_MAX + 1)
    if len(found) > REPLAY_EVENTS_MAX:
        raise ReplayRangeInvalid(
            f"more than {REPLAY_EVENTS_MAX} events in the range: replay a shorter one"
        )
    return await _deliver_again(ctx, uow, [stored.event for stored in found])


async def _deliver_again(ctx: Context, uow: UnitOfWork, found: list[Event]) -> list[Delivery]:
    if not found:
        return []
    endpoints = await uow.webhooks.endpoints(found[0].merchant_id)
    deliveries = fan_out(ctx, found, endpoints, DeliveryOrigin.REPLAY)
    await uow.webhooks.add_deliveries(deliveries)
    return deliveries


def fan_out(
    ctx: Context,
    found: list[Event],
    endpoints: list[WebhookEndpoint],
    origin: DeliveryOrigin,
) -> list[Delivery]:
    """One pending delivery, due now, per event and enabled endpoint that wants it."""
    now = ctx.now()
    return [
        Delivery(
            id=DeliveryId(ctx.ids.new(DELIVERY_ID_PREFIX)),
            event_id=event.id,
            endpoint_id=endpoint.id,
            merchant_id=event.merchant_id,
            origin=origin,
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        for event in found
        for endpoint in endpoints
        if endpoint.status is EndpointStatus.ENABLED
        and endpoint.merchant_id == event.merchant_id
        and subscribed(endpoint.event_types, event.type)
    ]
