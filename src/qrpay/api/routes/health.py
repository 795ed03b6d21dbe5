"""Liveness, readiness and metrics: what a load balancer and Prometheus scrape."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.responses import Response

from qrpay.api.state import ApiState, api_state
from qrpay.observability import metrics
from qrpay.services.metrics_refresh import refresh_backlog

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up. Never touches the database."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(state: ApiState = Depends(api_state)) -> dict[str, str]:
    """The database and the session store answer; 503 otherwise."""
    await state.ready()
    return {"status": "ready"}


@router.get("/metrics", response_class=Response)
async def prometheus(state: ApiState = Depends(api_state)) -> Response:
    await refresh_backlog(state)
    body, media_type = metrics.exposition()
    return Response(body, media_type=media_type)
