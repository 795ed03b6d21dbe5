"""Bad input gets a problem with a stable code and changes nothing, on every store."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from qrpay.domain.qr import mpm
from qrpay.domain.qr.crc import crc16_hex
from tests.api.conftest import ApiClient


@dataclass
class World:
    api: ApiClient
    merchant: dict[str, Any]
    wallet: dict[str, Any]
    checkout: dict[str, Any]
    static: str
    snapshot: tuple[Any, ...] | None = None
    """Set by a case whose setup changes state on purpose, before the refused request."""


async def _world(api: ApiClient) -> World:
    merchant, wallet = await api.merchant(), await api.wallet(balance=5_000)
    body = {"amount": 2500, "currency": "THB", "reference": "BAD", "expires_in": 60}
    checkout = (await api.post("/v1/checkouts", body, key=merchant["key"])).json()
    static = (await api.get("/v1/merchant/qr.png", key=merchant["key"])).headers["x-qr-payload"]
    return World(api, merchant, wallet, checkout, static)


async def _snapshot(w: World) -> tuple[Any, ...]:
    async with w.api.h.ctx.uow() as uow:
        accounts = sorted((a.id, a.sums()) for a in await uow.ledger.all_accounts())
        transfers = len(await uow.ledger.all_transfers())
    payments = (await w.api.get("/v1/payments", key=w.merchant["key"], limit=100)).json()["data"]
    checkout = (await w.api.get(f"/v1/checkouts/{w.checkout['id']}", key=w.merchant["key"])).json()
    return accounts, transfers, len(payments), checkout["status"]


def _pay(body: dict[str, Any]) -> Callable[[World], Awaitable[Any]]:
    async def send(w: World) -> Any:
        payload = body.get("qr_payload")
        filled = {
            **body,
            "qr_payload": w.checkout["qr_payload"] if payload == "CHECKOUT" else payload,
        }
        if payload == "STATIC":
            filled["qr_payload"] = w.static
        return await w.api.post("/v1/payments", filled, key=w.wallet["token"])

    return send


def _foreign_currency(w: World) -> str:
    code = mpm.decode(w.static)
    objects = dict(code.objects)
    objects["53"] = "840"
    return mpm.encode(mpm.MerchantPresentedCode(objects))


async def _pay_foreign(w: World) -> Any:
    body = {"qr_payload": _foreign_currency(w), "amount": 100}
    return await w.api.post("/v1/payments", body, key=w.wallet["token"])


async def _wrong_crc(w: World) -> Any:
    payload = w.checkout["qr_payload"]
    broken = payload[:-4] + ("0000" if payload[-4:] != "0000" else "0001")
    return await w.api.post("/v1/payments", {"qr_payload": broken}, key=w.wallet["token"])


async def _malformed(w: World) -> Any:
    body = "00020101021229"
    payload = body + "6304" + crc16_hex(body + "6304")
    return await w.api.post("/v1/payments", {"qr_payload": payload}, key=w.wallet["token"])


async def _expired(w: World) -> Any:
    w.api.h.clock.advance(seconds=61)
    w.snapshot = await _snapshot(w)
    return await _pay({"qr_payload": "CHECKOUT"})(w)


async def _reused_cpm(w: World) -> Any:
    token = (await w.api.post("/v1/wallet/cpm-tokens", key=w.wallet["token"])).json()
    body = {"cpm_payload": token["payload"], "amount": 100, "currency": "THB"}
    first = await w.api.post("/v1/payments/cpm", body, key=w.merchant["key"])
    assert first.status_code == 201
    w.snapshot = await _snapshot(w)
    return await w.api.post("/v1/payments/cpm", body, key=w.merchant["key"])


async def _oversized(w: World) -> Any:
    body = {"qr_payload": "0" * 100_000}
    return await w.api.post("/v1/payments", body, key=w.wallet["token"])


CASES: list[tuple[str, Callable[[World], Awaitable[Any]], int, str]] = [
    ("malformed qr", _malformed, 422, "tlv_length_overflow"),
    ("wrong crc", _wrong_crc, 422, "crc_mismatch"),
    ("zero amount", _pay({"qr_payload": "STATIC", "amount": 0}), 422, "money.amount_not_positive"),
    (
        "negative amount",
        _pay({"qr_payload": "STATIC", "amount": -100}),
        422,
        "money.amount_not_positive",
    ),
    (
        "amount differs from the code",
        _pay({"qr_payload": "CHECKOUT", "amount": 2400}),
        422,
        "payment.amount_mismatch",
    ),
    ("currency mismatch", _pay_foreign, 422, "money.currency_mismatch"),
    ("expired checkout", _expired, 409, "checkout.expired"),
    ("reused consumer-presented code", _reused_cpm, 409, "payment.cpm_token_used_or_expired"),
    ("unknown field", _pay({"qr_payload": "CHECKOUT", "tip": 5}), 422, "request.invalid"),
    ("oversized body", _oversized, 413, "request.too_large"),
    (
        "insufficient funds",
        _pay({"qr_payload": "STATIC", "amount": 5_001}),
        402,
        "ledger.insufficient_funds",
    ),
]


@pytest.mark.parametrize(("name", "send", "status", "code"), CASES, ids=[c[0] for c in CASES])
async def test_bad_input_is_refused_with_a_code_and_changes_nothing(
    api: ApiClient,
    name: str,
    send: Callable[[World], Awaitable[Any]],
    status: int,
    code: str,
) -> None:
    world = await _world(api)
    before = await _snapshot(world)

    response = await send(world)

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert await _snapshot(world) == (world.snapshot or before)


async def test_already_paid_checkout_is_refused_and_changes_nothing(api: ApiClient) -> None:
    world = await _world(api)
    assert (await _pay({"qr_payload": "CHECKOUT"})(world)).status_code == 201
    before = await _snapshot(world)

    response = await _pay({"qr_payload": "CHECKOUT"})(world)

    assert response.json()["code"] == "checkout.already_paid"
    assert await _snapshot(world) == before
