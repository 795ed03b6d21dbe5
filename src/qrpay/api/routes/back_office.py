"""Settlement reports and reconciliations.

``GET /v1/settlements?date=D`` is for the operator (every merchant) and for merchants (their
own lines), as JSON or, with ``format=csv``, as CSV. ``POST /v1/reconciliations`` is the
operator's: the request body is the network's report file as the network wrote it.
"""

from __future__ import annotations

from typing import Literal

import orjson
from fastapi import APIRouter, Depends, Query
from starlette.requests import Request
from starlette.responses import Response

from qrpay.api import auth
from qrpay.api.auth import Principal, Role
from qrpay.api.idempotency import run_idempotent
from qrpay.api.notification_schemas import SettlementList, SettlementOut
from qrpay.api.routes.notifications import back_office
from qrpay.api.state import ApiState, api_state
from qrpay.domain.settlement import parse_day, render_csv
from qrpay.services import back_office as office
from qrpay.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/v1", tags=["back office"])


@router.get("/settlements", response_model=SettlementList)
async def settlements(
    date: str = Query(description="Business day, YYYY-MM-DD."),
    format: Literal["json", "csv"] = Query("json"),
    principal: Principal = Depends(auth.merchant_or_operator),
    state: ApiState = Depends(api_state),
) -> Response:
    """Per merchant and network: count, gross, refunds, fees and net of the business day."""
    rule = back_office(state).business_day
    day = parse_day(date)
    merchant = principal.merchant_id if principal.role is Role.MERCHANT else None
    async with state.ctx.uow() as uow:
        lines = await office.settle(uow, rule, day, merchant)
    if format == "csv":
        headers = {"Content-Disposition": f'attachment; filename="settlement-{day}.csv"'}
        return Response(render_csv(lines), media_type="text/csv", headers=headers)
    start, end = rule.window(day)
    out = SettlementList(
        business_day=day.isoformat(),
        timezone=rule.timezone,
        cutoff=rule.cutoff.isoformat(timespec="minutes"),
        window_start=start,
        window_end=end,
        data=[SettlementOut(**line.as_row()) for line in lines],
    )
    return Response(out.model_dump_json(), media_type="application/json")


@router.post("/reconciliations", status_code=201)
async def reconcile(
    request: Request,
    network: str = Query(description="acquirer or instant.", max_length=32),
    date: str | None = Query(None, description="Business day; default: the report's day."),
    principal: Principal = Depends(auth.operator),
    state: ApiState = Depends(api_state),
) -> Response:
    """Match a network's end-of-day report (the request body) against the ledger.

    The answer lists every mismatch with both sides, and the unknown outcomes the report
    settled (audited).
    """
    backoffice = back_office(state)
    day = parse_day(date) if date else None
    report = await request.body()

    async def work(uow: UnitOfWork) -> tuple[int, bytes]:
        result = await office.reconcile_report(
            state.ctx, uow, backoffice.audit, backoffice.business_day, network, report, day
        )
        return 201, orjson.dumps(result.as_dict())

    return await run_idempotent(request, state, principal, work)
