"""Payer endpoints: preview a scanned code, pay it, balance, history, one-time codes."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from qrpay.api import auth
from qrpay.api.auth import Principal
from qrpay.api.idempotency import run_idempotent
from qrpay.api.routes.common import as_json, limit_param, starting_after_param
from qrpay.api.schemas import (
    CpmTokenOut,
    PaymentOut,
    PayQrCreate,
    QrDecodeRequest,
    QrPreviewOut,
    WalletOut,
    WalletTransaction,
    WalletTransactionList,
)
from qrpay.api.state import ApiState, api_state
from qrpay.domain.checkouts import CheckoutStatus
from qrpay.domain.ids import TransferId
from qrpay.observability import metrics
from qrpay.services import checkout_status, onboarding, payments
from qrpay.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/v1", tags=["wallet"])


@router.post("/qr/decode", response_model=QrPreviewOut)
async def decode_qr(
    body: QrDecodeRequest,
    principal: Principal = Depends(auth.wallet),
    state: ApiState = Depends(api_state),
) -> QrPreviewOut:
    """What the wallet shows before paying. Reads only: no idempotency key needed."""
    async with state.ctx.uow() as uow:
        preview = await payments.preview(state.ctx, uow, body.payload)
    return QrPreviewOut.of(preview)


@router.post("/payments", status_code=201, response_model=PaymentOut)
async def pay_qr(
    body: PayQrCreate,
    request: Request,
    principal: Principal = Depends(auth.wallet),
    state: ApiState = Depends(api_state),
) -> Response:
    paid: list[tuple[str, str]] = []

    async def work(uow: UnitOfWork) -> tuple[int, bytes]:
        cmd = payments.PayQr(principal.wallet_id, body.qr_payload, body.amount)
        payment = await payments.pay_qr(state.ctx, uow, cmd)
        metrics.PAYMENTS.labels(payment.status.value, payment.source.value).inc()
        if payment.checkout_id is not None:
            paid.append((payment.checkout_id, payment.id))
        return 201, as_json(PaymentOut.of(payment))

    response = await run_idempotent(request, state, principal, work)
    # After the commit, so a listener that re-reads the checkout sees it paid.
    for checkout_id, payment_id in paid:
        await checkout_status.announce(state.channels, checkout_id, CheckoutStatus.PAID, payment_id)
    return response


@router.get("/wallet", response_model=WalletOut)
async def get_wallet(
    principal: Principal = Depends(auth.wallet), state: ApiState = Depends(api_state)
) -> WalletOut:
    async with state.ctx.uow() as uow:
        wallet = await onboarding.require_wallet(uow, principal.wallet_id)
        accounts = await uow.ledger.get_accounts([wallet.account_id])
    return WalletOut.of(wallet, accounts[wallet.account_id])


@router.get("/wallet/transactions", response_model=WalletTransactionList)
async def wallet_transactions(
    limit: int = Depends(limit_param),
    starting_after: str | None = Depends(starting_after_param),
    principal: Principal = Depends(auth.wallet),
    state: ApiState = Depends(api_state),
) -> WalletTransactionList:
    after = TransferId(starting_after) if starting_after else None
    async with state.ctx.uow() as uow:
        wallet = await onboarding.require_wallet(uow, principal.wallet_id)
        found = await uow.ledger.transfers_of(
            wallet.account_id, limit=limit + 1, starting_after=after
        )
    return WalletTransactionList(
        data=[WalletTransaction.of(t, wallet.account_id) for t in found[:limit]],
        has_more=len(found) > limit,
    )


@router.post("/wallet/cpm-tokens", status_code=201, response_model=CpmTokenOut)
async def issue_cpm_token(
    request: Request,
    principal: Principal = Depends(auth.wallet),
    state: ApiState = Depends(api_state),
) -> Response:
    """A one-time consumer-presented code for the merchant to scan, valid 60 s."""

    async def work(uow: UnitOfWork) -> tuple[int, bytes]:
        wallet = await onboarding.require_wallet(uow, principal.wallet_id)
        payload, expires_at = await payments.issue_cpm_token(state.ctx, state.tokens, wallet)
        return 201, as_json(CpmTokenOut(payload=payload, expires_at=expires_at))

    return await run_idempotent(request, state, principal, work)
