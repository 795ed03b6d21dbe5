"""Merchant endpoints: webhook endpoints, the event log, dead letters and replays.

Every POST runs through ``run_idempotent``. Endpoints, events and deliveries of another
merchant answer 404. Rotating a secret and replaying are recorded on the audit trail.
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Depends, Query
from starlette.requests import Request
from starlette.responses import Response

from qrpay.api import auth
from qrpay.api.auth import Principal
from qrpay.api.idempotency import run_idempotent
from qrpay.api.notification_schemas import (
    DeliveryList,
    DeliveryOut,
    EndpointCreate,
    EndpointList,
    EndpointOut,
    EndpointUpdate,
    EndpointWithSecret,
    EventList,
    EventOut,
    Replayed,
    ReplayRange,
    SecretRotated,
)
from qrpay.api.routes.common import as_json, limit_param, starting_after_param
from qrpay.api.state import ApiState, api_state
from qrpay.domain.errors import NotFound, RequestInvalid
from qrpay.domain.events import EventId, EventType
from qrpay.domain.webhooks import Delivery, DeliveryId, DeliveryStatus
from qrpay.services import webhooks
from qrpay.services.back_office import BackOffice
from qrpay.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/v1", tags=["notifications"])


def back_office(state: ApiState) -> BackOffice:
    assert state.back_office is not None, "bootstrap sets the back office"
    return state.back_office


def actor(principal: Principal) -> str:
    return principal.scope


@router.post("/webhook-endpoints", status_code=201, response_model=EndpointWithSecret)
async def create_endpoint(
    body: EndpointCreate,
    request: Request,
    principal: Principal = Depends(auth.merchant),
    state: ApiState = Depends(api_state),
) -> Response:
    """Register an endpoint; the answer carries its signing secret, shown this once."""
    settings = back_office(state).webhooks

    async def work(uow: UnitOfWork) -> tuple[int, bytes]:
        endpoint, secret = await webhooks.create_endpoint(
            state.ctx,
            uow,
            settings,
            principal.merchant_id,
            body.url,
            tuple(body.events),
            body.description,
        )
        out = EndpointWithSecret(**EndpointOut.of(endpoint).model_dump(), secret=secret)
        return 201, as_json(out)

    return await run_idempotent(request, state, principal, work)


@router.get("/webhook-endpoints", response_model=EndpointList)
async def list_endpoints(
    principal: Principal = Depends(auth.merchant), state: ApiState = Depends(api_state)
) -> EndpointList:
    async with state.ctx.uow() as uow:
        found = await uow.webhooks.endpoints(principal.merchant_id)
    return EndpointList(data=[EndpointOut.of(e) for e in found])


@router.get("/webhook-endpoints/{endpoint_id}", response_model=EndpointOut)
async def get_endpoint(
    endpoint_id: str,
    principal: Principal = Depends(auth.merchant),
    state: ApiState = Depends(api_state),
) -> EndpointOut:
    async with state.ctx.uow() as uow:
        return EndpointOut.of(await webhooks.get_endpoint(uow, principal.merchant_id, endpoint_id))


@router.patch("/webhook-endpoints/{endpoint_id}", response_model=EndpointOut)
async def update_endpoint(
    endpoint_id: str,
    body: EndpointUpdate,
    principal: Principal = Depends(auth.merchant),
    state: ApiState = Depends(api_state),
) -> EndpointOut:
    """Change the URL, the event filter or the description; enable or disable it."""
    change = webhooks.EndpointChange(
        url=body.url,
        event_types=None if body.events is None else tuple(body.events),
        description=body.description,
        enabled=body.enabled,
    )
    settings = back_office(state).webhooks
    async with state.ctx.uow() as uow:
        endpoint = await webhooks.update_endpoint(
            state.ctx, uow, settings, principal.merchant_id, endpoint_id, change
        )
        await uow.commit()
    return EndpointOut.of(endpoint)


@router.delete("/webhook-endpoints/{endpoint_id}", response_model=EndpointOut)
async def delete_endpoint(
    endpoint_id: str,
    principal: Principal = Depends(auth.merchant),
    state: ApiState = Depends(api_state),
) -> EndpointOut:
    """Its pending deliveries become dead letters; it disappears from the API."""
    async with state.ctx.uow() as uow:
        endpoint = await webhooks.delete_endpoint(
            state.ctx, uow, principal.merchant_id, endpoint_id
        )
        await uow.commit()
    await back_office(state).audit.record(
        actor(principal), "webhook_endpoint.deleted", endpoint.id, after={"url": endpoint.url}
    )
    return EndpointOut.of(endpoint)


@router.post(
    "/webhook-endpoints/{endpoint_id}/rotate-secret", status_code=201, response_model=SecretRotated
)
async def rotate_secret(
    endpoint_id: str,
    request: Request,
    principal: Principal = Depends(auth.merchant),
    state: ApiState = Depends(api_state),
) -> Response:
    """A new secret; the old one keeps signing beside it until the time returned."""
    office = back_office(state)

    async def work(uow: UnitOfWork) -> tuple[int, bytes]:
        endpoint, secret, until = await webhooks.rotate_secret(
            state.ctx, uow, office.webhooks, principal.merchant_id, endpoint_id
        )
        await office.audit.record(
            actor(principal),
            "webhook_endpoint.secret_rotated",
            endpoint.id,
            after={"previous_secret_expires_at": until.isoformat()},
        )
        out = SecretRotated(
            endpoint=EndpointOut.of(endpoint), secret=secret, previous_secret_expires_at=until
        )
        return 201, as_json(out)

    return await run_idempotent(request, state, principal, work)


@router.get("/events", response_model=EventList)
async def list_events(
    after: str | None = Query(None, max_length=64, description="Continue after this event id."),
    type: list[EventType] | None = Query(None, description="Only these types (repeatable)."),
    limit: int = Depends(limit_param),
    principal: Principal = Depends(auth.merchant),
    state: ApiState = Depends(api_state),
) -> EventList:
    """The merchant's events, oldest first, in the order they were published.

    Poll with ``?after=<the last id you saw>`` to catch up on what webhooks missed: an
    event that commits late gets a later place, so none is ever skipped.
    """
    async with state.ctx.uow() as uow:
        position = None
        if after is not None:
            cursor = await uow.events.get(EventId(after))
            if cursor is None or cursor.event.merchant_id != principal.merchant_id:
                raise NotFound("event", after)
            position = cursor.position
        found = await uow.events.page(
            principal.merchant_id, after_position=position, types=type or [], limit=limit + 1
        )
    shown = found[:limit]
    return EventList(
        data=[EventOut.of(e) for e in shown],
        has_more=len(found) > limit,
        next_after=shown[-1].event.id if shown else after,
    )


@router.get("/webhook-deliveries", response_model=DeliveryList)
async def list_deliveries(
    status: DeliveryStatus | None = Query(None, description="dead: the dead-letter list."),
    limit: int = Depends(limit_param),
    starting_after: str | None = Depends(starting_after_param),
    principal: Principal = Depends(auth.merchant),
    state: ApiState = Depends(api_state),
) -> DeliveryList:
    """Deliveries, newest first; ``?status=dead`` lists what was given up on."""
    after = DeliveryId(starting_after) if starting_after else None
    async with state.ctx.uow() as uow:
        found = await uow.webhooks.deliveries(
            principal.merchant_id, status, limit=limit + 1, starting_after=after
        )
    return DeliveryList(
        data=[DeliveryOut.of(d) for d in found[:limit]], has_more=len(found) > limit
    )


@router.post("/events/replay", status_code=201, response_model=Replayed)
async def replay_range(
    body: ReplayRange,
    request: Request,
    principal: Principal = Depends(auth.merchant),
    state: ApiState = Depends(api_state),
) -> Response:
    """Send the events created in [from, to) again, to the endpoints that want them now."""
    office = back_office(state)
    if body.from_.tzinfo is None or body.to.tzinfo is None:
        raise RequestInvalid("'from' and 'to' need a time zone (e.g. Z)")

    async def work(uow: UnitOfWork) -> tuple[int, bytes]:
        made = await webhooks.replay_range(
            state.ctx, uow, principal.merchant_id, body.from_, body.to
        )
        target = f"{body.from_.isoformat()}/{body.to.isoformat()}"
        return 201, await _replayed(office, principal, target, made)

    return await run_idempotent(request, state, principal, work)


@router.post("/events/{event_id}/replay", status_code=201, response_model=Replayed)
async def replay_event(
    event_id: str,
    request: Request,
    principal: Principal = Depends(auth.merchant),
    state: ApiState = Depends(api_state),
) -> Response:
    """Send one event again (its webhook-id stays the event id)."""
    office = back_office(state)

    async def work(uow: UnitOfWork) -> tuple[int, bytes]:
        made = await webhooks.replay_event(state.ctx, uow, principal.merchant_id, event_id)
        return 201, await _replayed(office, principal, event_id, made)

    return await run_idempotent(request, state, principal, work)


async def _replayed(
    office: BackOffice, principal: Principal, target: str, made: list[Delivery]
) -> bytes:
    event_ids = sorted({d.event_id for d in made})
    await office.audit.record(
        actor(principal),
        "events.replayed",
        target,
        after={"deliveries": len(made), "events": event_ids},
    )
    return orjson.dumps(Replayed(deliveries=len(made), events=event_ids).model_dump())
