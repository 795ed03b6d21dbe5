"""Operator reads across every merchant: payments with filters, a payment's timeline, stats.

What the operator dashboard shows. Merchants and payers have their own, scoped reads
(``GET /v1/payments``); these answer only to the operator key.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query

from qrpay.api import auth
from qrpay.api.auth import Principal
from qrpay.api.routes.common import limit_param, starting_after_param
from qrpay.api.schemas import PaymentDetail, PaymentList, PaymentOut, PaymentStatsOut
from qrpay.api.state import ApiState, api_state
from qrpay.domain.ids import MerchantId
from qrpay.domain.payments import PaymentStatus
from qrpay.services import payments, reporting
from qrpay.services.unit_of_work import PaymentFilter

router = APIRouter(prefix="/v1/operator", tags=["operator"])


@router.get("/payments", response_model=PaymentList)
async def list_all_payments(
    status: PaymentStatus | None = None,
    merchant_id: str | None = Query(None, max_length=64),
    network: str | None = Query(None, max_length=32, description="The route's network."),
    created_gte: datetime | None = Query(None, description="Created at or after (ISO 8601)."),
    created_lt: datetime | None = Query(None, description="Created before (ISO 8601)."),
    limit: int = Depends(limit_param),
    starting_after: str | None = Depends(starting_after_param),
    principal: Principal = Depends(auth.operator),
    state: ApiState = Depends(api_state),
) -> PaymentList:
    """Every merchant's payments, newest first."""
    where = PaymentFilter(
        merchant_id=MerchantId(merchant_id) if merchant_id else None,
        status=status,
        created_gte=created_gte,
        created_lt=created_lt,
        network=network or None,
    )
    async with state.ctx.uow() as uow:
        found = await payments.list_payments(uow, where, limit + 1, starting_after)
    return PaymentList(data=[PaymentOut.of(p) for p in found[:limit]], has_more=len(found) > limit)


@router.get("/payments/{payment_id}", response_model=PaymentDetail)
async def get_any_payment(
    payment_id: str,
    principal: Principal = Depends(auth.operator),
    state: ApiState = Depends(api_state),
) -> PaymentDetail:
    """A payment with its route decision, attempts, timeline and refunds."""
    async with state.ctx.uow() as uow:
        payment = await payments.get_payment(uow, payment_id)
        events = await uow.payments.events(payment.id)
        refunds = await uow.payments.refunds(payment.id)
    return PaymentDetail.build(payment, events, refunds)


@router.get("/stats/payments", response_model=PaymentStatsOut)
async def payment_stats(
    hours: int = Query(24, ge=1, le=reporting.REPORT_HOURS_MAX, description="Hours back."),
    principal: Principal = Depends(auth.operator),
    state: ApiState = Depends(api_state),
) -> PaymentStatsOut:
    """Volume and success rate per hour and network; attempt latency percentiles."""
    async with state.ctx.uow() as uow:
        report = await reporting.payment_report(uow, state.ctx.now(), hours)
    return PaymentStatsOut.of(report)
