"""Operator endpoints: onboard merchants (keys, terminals) and payer wallets."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from qrpay.api import auth
from qrpay.api.auth import Principal
from qrpay.api.idempotency import run_idempotent
from qrpay.api.routes.common import as_json, limit_param, starting_after_param
from qrpay.api.schemas import (
    ApiKeyOut,
    MerchantCreate,
    MerchantList,
    MerchantOut,
    TerminalCreate,
    TerminalOut,
    TopUpCreate,
    WalletCreate,
    WalletOut,
)
from qrpay.api.state import ApiState, api_state
from qrpay.domain.ids import MerchantId, WalletId
from qrpay.domain.money import Money
from qrpay.services import onboarding
from qrpay.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/v1", tags=["operator"])


@router.post("/merchants", status_code=201, response_model=MerchantOut)
async def create_merchant(
    body: MerchantCreate,
    request: Request,
    principal: Principal = Depends(auth.operator),
    state: ApiState = Depends(api_state),
) -> Response:
    async def work(uow: UnitOfWork) -> tuple[int, bytes]:
        cmd = onboarding.CreateMerchant(**body.model_dump())
        merchant = await onboarding.create_merchant(state.ctx, uow, cmd)
        return 201, as_json(MerchantOut.of(merchant))

    return await run_idempotent(request, state, principal, work)


@router.get("/merchants", response_model=MerchantList)
async def list_merchants(
    limit: int = Depends(limit_param),
    starting_after: str | None = Depends(starting_after_param),
    principal: Principal = Depends(auth.operator),
    state: ApiState = Depends(api_state),
) -> MerchantList:
    after = MerchantId(starting_after) if starting_after else None
    async with state.ctx.uow() as uow:
        found = await uow.merchants.page(limit=limit + 1, starting_after=after)
    return MerchantList(
        data=[MerchantOut.of(m) for m in found[:limit]], has_more=len(found) > limit
    )


@router.post("/merchants/{merchant_id}/api-keys", status_code=201, response_model=ApiKeyOut)
async def issue_api_key(
    merchant_id: str,
    request: Request,
    principal: Principal = Depends(auth.operator),
    state: ApiState = Depends(api_state),
) -> Response:
    async def work(uow: UnitOfWork) -> tuple[int, bytes]:
        key, secret = await onboarding.issue_api_key(state.ctx, uow, MerchantId(merchant_id))
        out = ApiKeyOut(
            id=key.id, merchant_id=key.merchant_id, key=secret, created_at=key.created_at
        )
        return 201, as_json(out)

    return await run_idempotent(request, state, principal, work)


@router.post("/merchants/{merchant_id}/terminals", status_code=201, response_model=TerminalOut)
async def add_terminal(
    merchant_id: str,
    body: TerminalCreate,
    request: Request,
    principal: Principal = Depends(auth.operator),
    state: ApiState = Depends(api_state),
) -> Response:
    async def work(uow: UnitOfWork) -> tuple[int, bytes]:
        terminal = await onboarding.add_terminal(
            state.ctx, uow, MerchantId(merchant_id), body.store_name, body.label
        )
        return 201, as_json(TerminalOut.of(terminal))

    return await run_idempotent(request, state, principal, work)


@router.post("/wallets", status_code=201, response_model=WalletOut)
async def create_wallet(
    body: WalletCreate,
    request: Request,
    principal: Principal = Depends(auth.operator),
    state: ApiState = Depends(api_state),
) -> Response:
    async def work(uow: UnitOfWork) -> tuple[int, bytes]:
        cmd = onboarding.CreateWallet(body.name, body.currency, body.balance)
        wallet, token, account = await onboarding.create_wallet(state.ctx, uow, cmd)
        return 201, as_json(WalletOut.of(wallet, account, token))

    return await run_idempotent(request, state, principal, work)


@router.post("/wallets/{wallet_id}/top-ups", status_code=201, response_model=WalletOut)
async def top_up(
    wallet_id: str,
    body: TopUpCreate,
    request: Request,
    principal: Principal = Depends(auth.operator),
    state: ApiState = Depends(api_state),
) -> Response:
    async def work(uow: UnitOfWork) -> tuple[int, bytes]:
        wallet = await onboarding.require_wallet(uow, WalletId(wallet_id))
        amount = Money.positive(body.amount, wallet.currency.code)
        account = await onboarding.top_up(state.ctx, uow, wallet, amount)
        return 201, as_json(WalletOut.of(wallet, account))

    return await run_idempotent(request, state, principal, work)
