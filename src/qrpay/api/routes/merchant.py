"""Merchant endpoints: checkouts and their codes, payments, refunds, the POS charge."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Query
from starlette.requests import Request
from starlette.responses import Response

from qrpay.adapters import qr_image
from qrpay.api import auth
from qrpay.api.auth import Principal, Role
from qrpay.api.idempotency import run_idempotent
from qrpay.api.routes.common import as_json, limit_param, starting_after_param
from qrpay.api.schemas import (
    CheckoutCreate,
    CheckoutOut,
    MerchantOut,
    MerchantSelf,
    PayCpmCreate,
    PaymentDetail,
    PaymentList,
    PaymentOut,
    RefundCreate,
    RefundOut,
    RefundResult,
)
from qrpay.api.state import ApiState, api_state
from qrpay.domain.ids import TerminalId
from qrpay.domain.payments import PaymentStatus
from qrpay.observability import metrics
from qrpay.services import checkouts, onboarding, payments
from qrpay.services.unit_of_work import PaymentFilter, UnitOfWork

router = APIRouter(prefix="/v1", tags=["merchant"])
IMAGE_CACHE_CONTROL = "private, max-age=86400, immutable"


@router.get("/merchant", response_model=MerchantSelf)
async def get_merchant(
    principal: Principal = Depends(auth.merchant), state: ApiState = Depends(api_state)
) -> MerchantSelf:
    """The calling merchant, with the balance the gateway holds for it."""
    async with state.ctx.uow() as uow:
        merchant = await onboarding.require_merchant(uow, principal.merchant_id)
        account = (await uow.ledger.get_accounts([merchant.account_id]))[merchant.account_id]
    return MerchantSelf(
        **MerchantOut.of(merchant).model_dump(),
        balance=account.balance_minor,
        available=account.available_minor,
    )


@router.post("/checkouts", status_code=201, response_model=CheckoutOut)
async def create_checkout(
    body: CheckoutCreate,
    request: Request,
    principal: Principal = Depends(auth.merchant),
    state: ApiState = Depends(api_state),
) -> Response:
    async def work(uow: UnitOfWork) -> tuple[int, bytes]:
        cmd = checkouts.CreateCheckout(
            merchant_id=principal.merchant_id,
            amount_minor=body.amount,
            currency=body.currency,
            reference=body.reference,
            expires_in_s=body.expires_in,
            terminal_id=TerminalId(body.terminal_id) if body.terminal_id else None,
        )
        checkout = await checkouts.create_checkout(state.ctx, uow, cmd)
        return 201, as_json(CheckoutOut.of(checkout, state.ctx.now(), state.ctx.public_url))

    return await run_idempotent(request, state, principal, work)


@router.get("/checkouts/{checkout_id}", response_model=CheckoutOut)
async def get_checkout(
    checkout_id: str,
    principal: Principal = Depends(auth.merchant),
    state: ApiState = Depends(api_state),
) -> CheckoutOut:
    async with state.ctx.uow() as uow:
        checkout = await checkouts.get_checkout(uow, principal.merchant_id, checkout_id)
    return CheckoutOut.of(checkout, state.ctx.now(), state.ctx.public_url)


@router.get("/checkouts/{checkout_id}/qr.{kind}", response_class=Response)
async def checkout_qr(
    checkout_id: str,
    kind: Literal["png", "svg"],
    principal: Principal = Depends(auth.merchant),
    state: ApiState = Depends(api_state),
) -> Response:
    """The checkout's code as an image: ``qr.png`` or ``qr.svg``."""
    async with state.ctx.uow() as uow:
        checkout = await checkouts.get_checkout(uow, principal.merchant_id, checkout_id)
    headers = {"Cache-Control": IMAGE_CACHE_CONTROL}
    if kind == "png":
        return Response(
            qr_image.render_png(checkout.qr_payload), media_type="image/png", headers=headers
        )
    svg = qr_image.render_svg(checkout.qr_payload)
    return Response(svg, media_type="image/svg+xml", headers=headers)


@router.get("/merchant/qr.png", response_class=Response)
async def merchant_static_qr(
    terminal_id: str | None = Query(None, max_length=64),
    principal: Principal = Depends(auth.merchant),
    state: ApiState = Depends(api_state),
) -> Response:
    """The merchant's static code (point of initiation 11): payers type the amount."""
    async with state.ctx.uow() as uow:
        payload = await checkouts.merchant_static_code(
            state.ctx, uow, principal.merchant_id, TerminalId(terminal_id) if terminal_id else None
        )
    png = qr_image.render_png(payload)
    return Response(png, media_type="image/png", headers={"X-QR-Payload": payload})


@router.get("/payments", response_model=PaymentList)
async def list_payments(
    status: PaymentStatus | None = None,
    created_gte: datetime | None = Query(None, description="Created at or after (ISO 8601)."),
    created_lt: datetime | None = Query(None, description="Created before (ISO 8601)."),
    limit: int = Depends(limit_param),
    starting_after: str | None = Depends(starting_after_param),
    principal: Principal = Depends(auth.merchant_or_wallet),
    state: ApiState = Depends(api_state),
) -> PaymentList:
    """Newest first. Merchants see their payments, payers theirs."""
    where = PaymentFilter(
        merchant_id=principal.merchant_id if principal.role is Role.MERCHANT else None,
        wallet_id=principal.wallet_id if principal.role is Role.WALLET else None,
        status=status,
        created_gte=created_gte,
        created_lt=created_lt,
    )
    async with state.ctx.uow() as uow:
        found = await payments.list_payments(uow, where, limit + 1, starting_after)
    return PaymentList(data=[PaymentOut.of(p) for p in found[:limit]], has_more=len(found) > limit)


@router.get("/payments/{payment_id}", response_model=PaymentDetail)
async def get_payment(
    payment_id: str,
    principal: Principal = Depends(auth.merchant_or_wallet),
    state: ApiState = Depends(api_state),
) -> PaymentDetail:
    async with state.ctx.uow() as uow:
        payment = await payments.get_payment(
            uow,
            payment_id,
            merchant_id=principal.merchant_id if principal.role is Role.MERCHANT else None,
            wallet_id=principal.wallet_id if principal.role is Role.WALLET else None,
        )
        events = await uow.payments.events(payment.id)
        refunds = await uow.payments.refunds(payment.id)
    return PaymentDetail.build(payment, events, refunds)


@router.post("/payments/{payment_id}/refunds", status_code=201, response_model=RefundResult)
async def refund_payment(
    payment_id: str,
    body: RefundCreate,
    request: Request,
    principal: Principal = Depends(auth.merchant),
    state: ApiState = Depends(api_state),
) -> Response:
    async def work(uow: UnitOfWork) -> tuple[int, bytes]:
        cmd = payments.RefundPayment(principal.merchant_id, payment_id, body.amount)
        payment, refund = await payments.refund(state.ctx, uow, cmd)
        out = RefundResult(**RefundOut.of(refund).model_dump(), payment=PaymentOut.of(payment))
        return 201, as_json(out)

    return await run_idempotent(request, state, principal, work)


@router.post("/payments/cpm", status_code=201, response_model=PaymentOut)
async def pay_cpm(
    body: PayCpmCreate,
    request: Request,
    principal: Principal = Depends(auth.merchant),
    state: ApiState = Depends(api_state),
) -> Response:
    """Charge the wallet behind a consumer-presented code scanned at the point of sale."""

    async def work(uow: UnitOfWork) -> tuple[int, bytes]:
        cmd = payments.PayCpm(principal.merchant_id, body.cpm_payload, body.amount, body.currency)
        payment = await payments.pay_cpm(state.ctx, uow, state.tokens, cmd)
        metrics.PAYMENTS.labels(payment.status.value, payment.source.value).inc()
        return 201, as_json(PaymentOut.of(payment))

    return await run_idempotent(request, state, principal, work)
