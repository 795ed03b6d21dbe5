"""Concurrent requests over HTTP against the real stores: nothing doubled, nothing lost."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.api.conftest import ApiClient


async def _checkout(api: ApiClient, key: str, amount: int, reference: str) -> str:
    body = {"amount": amount, "currency": "THB", "reference": reference}
    response = await api.post("/v1/checkouts", body, key=key)
    assert response.status_code == 201, response.text
    payload: str = response.json()["qr_payload"]
    return payload


async def test_fifty_payments_from_a_wallet_funded_for_ten_leave_exactly_ten(
    sql_api: ApiClient,
) -> None:
    merchant, wallet = await sql_api.merchant(), await sql_api.wallet(balance=10 * 100)
    static = (await sql_api.get("/v1/merchant/qr.png", key=merchant["key"])).headers["x-qr-payload"]

    responses = await asyncio.gather(
        *(
            sql_api.post("/v1/payments", {"qr_payload": static, "amount": 100}, key=wallet["token"])
            for _ in range(50)
        )
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 10
    assert all(
        r.json()["code"] == "ledger.insufficient_funds" for r in responses if r.status_code != 201
    )
    after = (await sql_api.get("/v1/wallet", key=wallet["token"])).json()
    assert after["balance"] == 0
    assert after["available"] == 0
    listed = (await sql_api.get("/v1/payments", key=merchant["key"], limit=100)).json()
    assert len(listed["data"]) == 10


async def test_twenty_requests_with_one_idempotency_key_make_one_payment(
    sql_api: ApiClient,
) -> None:
    merchant, wallet = await sql_api.merchant(), await sql_api.wallet(balance=10_000)
    payload = await _checkout(sql_api, merchant["key"], 500, "IDEM")

    responses = await asyncio.gather(
        *(
            sql_api.post("/v1/payments", {"qr_payload": payload}, key=wallet["token"], idem="once")
            for _ in range(20)
        )
    )

    created = [r for r in responses if r.status_code == 201]
    assert created, [r.text for r in responses]
    assert {r.json()["id"] for r in created} == {created[0].json()["id"]}
    # A duplicate either replayed the answer or was told the first is still running.
    others = [r for r in responses if r.status_code != 201]
    assert all(r.json()["code"] == "idempotency.request_in_progress" for r in others)
    listed = (await sql_api.get("/v1/payments", key=merchant["key"])).json()
    assert len(listed["data"]) == 1
    assert (await sql_api.get("/v1/wallet", key=wallet["token"])).json()["balance"] == 9_500


async def test_concurrent_refunds_never_exceed_the_captured_amount(sql_api: ApiClient) -> None:
    merchant, wallet = await sql_api.merchant(), await sql_api.wallet(balance=10_000)
    payload = await _checkout(sql_api, merchant["key"], 1000, "REFUNDS")
    payment: dict[str, Any] = (
        await sql_api.post("/v1/payments", {"qr_payload": payload}, key=wallet["token"])
    ).json()

    responses = await asyncio.gather(
        *(
            sql_api.post(
                f"/v1/payments/{payment['id']}/refunds", {"amount": 300}, key=merchant["key"]
            )
            for _ in range(10)
        )
    )

    assert sum(1 for r in responses if r.status_code == 201) == 3
    detail = (await sql_api.get(f"/v1/payments/{payment['id']}", key=merchant["key"])).json()
    assert detail["amount_refunded"] == 900
    assert sum(r["amount"] for r in detail["refunds"]) == 900
    assert detail["status"] == "partially_refunded"
    assert (await sql_api.get("/v1/wallet", key=wallet["token"])).json()["balance"] == 9_900


async def test_two_racing_halves_leave_the_payment_refunded(sql_api: ApiClient) -> None:
    merchant, wallet = await sql_api.merchant(), await sql_api.wallet(balance=10_000)
    payload = await _checkout(sql_api, merchant["key"], 1000, "HALVES")
    payment = (
        await sql_api.post("/v1/payments", {"qr_payload": payload}, key=wallet["token"])
    ).json()

    await asyncio.gather(
        *(
            sql_api.post(
                f"/v1/payments/{payment['id']}/refunds", {"amount": 500}, key=merchant["key"]
            )
            for _ in range(2)
        )
    )

    detail = (await sql_api.get(f"/v1/payments/{payment['id']}", key=merchant["key"])).json()
    assert detail["amount_refunded"] == 1000
    assert detail["status"] == "refunded"
