"""Who is calling: the operator, a merchant (API key) or a payer (wallet token).

Credentials arrive as ``Authorization: Bearer <secret>``. Secrets are compared only as
keyed hashes: the operator's in constant time, the others by an index lookup of the hash,
so no comparison leaks a secret's prefix through timing.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from enum import StrEnum

from fastapi import Depends
from starlette.requests import Request

from qrpay.api.state import ApiState, api_state
from qrpay.domain.credentials import (
    API_KEY_PREFIX,
    SECRET_CHARS_MAX,
    WALLET_TOKEN_PREFIX,
    credential_hash,
)
from qrpay.domain.errors import Forbidden, Unauthenticated
from qrpay.domain.ids import MerchantId, WalletId


class Role(StrEnum):
    OPERATOR = "operator"
    MERCHANT = "merchant"
    WALLET = "wallet"


@dataclass(frozen=True, slots=True)
class Principal:
    role: Role
    id: str

    @property
    def scope(self) -> str:
        """The namespace of this caller's idempotency keys."""
        return self.role.value if self.role is Role.OPERATOR else f"{self.role}:{self.id}"

    @property
    def merchant_id(self) -> MerchantId:
        assert self.role is Role.MERCHANT
        return MerchantId(self.id)

    @property
    def wallet_id(self) -> WalletId:
        assert self.role is Role.WALLET
        return WalletId(self.id)


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization")
    if header is None:
        raise Unauthenticated("send 'Authorization: Bearer <key>'")
    scheme, _, secret = header.partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret or len(secret) > SECRET_CHARS_MAX:
        raise Unauthenticated("the Authorization header is not 'Bearer <key>'")
    return secret


async def _principal(request: Request, state: ApiState) -> Principal:
    secret = _bearer(request)
    digest = credential_hash(secret, state.ctx.pepper)
    if hmac.compare_digest(digest, state.operator_key_hash):
        return Principal(Role.OPERATOR, "operator")
    async with state.ctx.uow() as uow:
        if secret.startswith(API_KEY_PREFIX):
            key = await uow.credentials.find_api_key(digest)
            if key is not None and key.revoked_at is None:
                return Principal(Role.MERCHANT, key.merchant_id)
        elif secret.startswith(WALLET_TOKEN_PREFIX):
            token = await uow.credentials.find_wallet_token(digest)
            if token is not None and (
                token.expires_at is None or token.expires_at > state.ctx.now()
            ):
                return Principal(Role.WALLET, token.wallet_id)
    raise Unauthenticated("the credential is unknown, revoked or expired")


def _require(*roles: Role):  # type: ignore[no-untyped-def]
    async def dependency(request: Request, state: ApiState = Depends(api_state)) -> Principal:
        principal = await _principal(request, state)
        if principal.role not in roles:
            allowed = " or ".join(r.value for r in roles)
            raise Forbidden(f"this operation is for the {allowed}, not a {principal.role}")
        return principal

    return dependency


operator = _require(Role.OPERATOR)
merchant = _require(Role.MERCHANT)
wallet = _require(Role.WALLET)
merchant_or_wallet = _require(Role.MERCHANT, Role.WALLET)
merchant_or_operator = _require(Role.MERCHANT, Role.OPERATOR)
