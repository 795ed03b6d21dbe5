"""The issue's end-to-end flow over HTTP: onboard, checkout, decode, pay, refund."""

from __future__ import annotations

import pytest

from qrpay.domain.ledger import check_invariants
from tests.api.conftest import OPERATOR_KEY, ApiClient


async def test_checkout_paid_then_refunded_in_two_halves(api: ApiClient) -> None:
    merchant = await api.merchant()
    wallet = await api.wallet(balance=10_000)
    token, key = wallet["token"], merchant["key"]

    # given a checkout
    created = await api.post(
        "/v1/checkouts", {"amount": 2500, "currency": "THB", "reference": "ORDER-1"}, key=key
    )
    assert created.status_code == 201, created.text
    checkout = created.json()
    assert checkout["status"] == "open"
    assert checkout["hosted_url"].endswith(f"/pay/{checkout['id']}")

    # when the wallet decodes and pays it
    preview = (
        await api.post("/v1/qr/decode", {"payload": checkout["qr_payload"]}, key=token)
    ).json()
    assert preview["merchant_name"] == "Somtam Corner"
    assert preview["amount"] == 2500
    assert preview["payable"] is True
    paid = await api.post("/v1/payments", {"qr_payload": checkout["qr_payload"]}, key=token)
    assert paid.status_code == 201, paid.text
    payment = paid.json()

    # then the checkout is paid and paying again is refused with a clear code
    assert (await api.get(f"/v1/checkouts/{checkout['id']}", key=key)).json()["status"] == "paid"
    again = await api.post("/v1/payments", {"qr_payload": checkout["qr_payload"]}, key=token)
    assert again.status_code == 409
    assert again.json()["code"] == "checkout.already_paid"

    # refund half, the rest, and a third is refused
    for amount, status in ((1250, "partially_refunded"), (1250, "refunded")):
        refund = await api.post(
            f"/v1/payments/{payment['id']}/refunds", {"amount": amount}, key=key
        )
        assert refund.status_code == 201, refund.text
        assert refund.json()["payment"]["status"] == status
    third = await api.post(f"/v1/payments/{payment['id']}/refunds", {"amount": 1}, key=key)
    assert third.status_code == 409
    assert third.json()["code"] == "payment.not_refundable"

    # and the money adds up: the wallet is whole again, the merchant holds nothing
    assert (await api.get("/v1/wallet", key=token)).json()["balance"] == 10_000
    assert (await api.get("/v1/merchant", key=key)).json()["balance"] == 0
    async with api.h.ctx.uow() as uow:
        accounts = await uow.ledger.all_accounts()
        check_invariants(accounts, await uow.ledger.all_transfers())
    assert sum(a.balance_minor for a in accounts) == 0
    detail = (await api.get(f"/v1/payments/{payment['id']}", key=key)).json()
    assert [e["kind"] for e in detail["timeline"]][:2] == [
        "payment.created",
        "payment.route_decided",
    ]
    assert len(detail["refunds"]) == 2


async def test_same_idempotency_key_replays_and_another_body_conflicts(api: ApiClient) -> None:
    merchant = await api.merchant()
    body = {"amount": 100, "currency": "THB", "reference": "A"}

    first = await api.post("/v1/checkouts", body, key=merchant["key"], idem="same")
    replay = await api.post("/v1/checkouts", body, key=merchant["key"], idem="same")
    other = await api.post(
        "/v1/checkouts", {**body, "amount": 101}, key=merchant["key"], idem="same"
    )

    assert replay.status_code == 201
    assert replay.json() == first.json()
    assert replay.headers["idempotent-replayed"] == "true"
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency.exists_with_different_request"


async def test_post_without_idempotency_key_is_refused(api: ApiClient) -> None:
    response = await api.http.post(
        "/v1/wallets",
        json={"name": "x", "currency": "THB"},
        headers={"Authorization": f"Bearer {OPERATOR_KEY}"},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "idempotency.key_missing"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"amount": 0, "currency": "THB", "reference": "A"}, "money.amount_not_positive"),
        ({"amount": -5, "currency": "THB", "reference": "A"}, "money.amount_not_positive"),
        ({"amount": 1.5, "currency": "THB", "reference": "A"}, "request.invalid"),
        ({"amount": 100, "currency": "USD", "reference": "A"}, "money.currency_mismatch"),
        ({"amount": 100, "currency": "THB", "reference": "A", "status": "paid"}, "request.invalid"),
    ],
)
async def test_bad_checkout_bodies_get_a_stable_code(
    api: ApiClient, body: dict[str, object], code: str
) -> None:
    merchant = await api.merchant()

    response = await api.post("/v1/checkouts", body, key=merchant["key"])

    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code


async def test_a_merchant_cannot_see_another_merchants_checkout(api: ApiClient) -> None:
    first, second = await api.merchant("One"), await api.merchant("Two")
    body = {"amount": 100, "currency": "THB", "reference": "A"}
    checkout = (await api.post("/v1/checkouts", body, key=first["key"])).json()

    response = await api.get(f"/v1/checkouts/{checkout['id']}", key=second["key"])

    assert response.status_code == 404
    assert response.json()["code"] == "resource.not_found"


async def test_oversized_body_is_refused(api: ApiClient) -> None:
    merchant = await api.merchant()
    body = {"amount": 100, "currency": "THB", "reference": "x" * 70_000}

    response = await api.post("/v1/checkouts", body, key=merchant["key"])

    assert response.status_code == 413
    assert response.json()["code"] == "request.too_large"


async def test_unknown_credentials_are_refused(api: ApiClient) -> None:
    response = await api.get("/v1/wallet", key="wt_not_a_real_token_at_all")

    assert response.status_code == 401
    assert response.json()["code"] == "auth.unauthenticated"
