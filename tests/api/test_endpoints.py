"""Endpoints beyond the main flow: lists and filters, images, CPM, health, documents."""

from __future__ import annotations

from datetime import timedelta

from qrpay.adapters import qr_image
from tests.api.conftest import ApiClient


async def _paid(api: ApiClient, merchant: dict[str, str], token: str, amount: int) -> str:
    return await api.pay_checkout(merchant, token, amount)


async def test_payments_page_with_a_cursor_newest_first(api: ApiClient) -> None:
    merchant, wallet = await api.merchant(), await api.wallet(balance=100_000)
    ids = []
    for amount in (101, 102, 103, 104, 105):
        ids.append(await _paid(api, merchant, wallet["token"], amount))
        api.h.clock.advance(seconds=1)

    first = (await api.get("/v1/payments", key=merchant["key"], limit=2)).json()
    second = (
        await api.get(
            "/v1/payments", key=merchant["key"], limit=2, starting_after=first["data"][-1]["id"]
        )
    ).json()
    rest = (
        await api.get(
            "/v1/payments", key=merchant["key"], limit=2, starting_after=second["data"][-1]["id"]
        )
    ).json()

    seen = [p["id"] for page in (first, second, rest) for p in page["data"]]
    assert seen == list(reversed(ids))
    assert (first["has_more"], second["has_more"], rest["has_more"]) == (True, True, False)


async def test_payments_filter_by_status_and_created_range(api: ApiClient) -> None:
    merchant, wallet = await api.merchant(), await api.wallet(balance=100_000)
    cut = (api.h.clock.now() + timedelta(minutes=30)).isoformat()
    early = await _paid(api, merchant, wallet["token"], 200)
    api.h.clock.advance(hours=1)
    late = await _paid(api, merchant, wallet["token"], 300)
    await api.post(f"/v1/payments/{late}/refunds", {"amount": 300}, key=merchant["key"])

    refunded = (await api.get("/v1/payments", key=merchant["key"], status="refunded")).json()
    before = (await api.get("/v1/payments", key=merchant["key"], created_lt=cut)).json()

    assert [p["id"] for p in refunded["data"]] == [late]
    assert [p["id"] for p in before["data"]] == [early]


async def test_page_size_above_the_limit_is_refused(api: ApiClient) -> None:
    merchant = await api.merchant()

    response = await api.get("/v1/payments", key=merchant["key"], limit=1000)

    assert response.status_code == 422
    assert response.json()["code"] == "request.invalid"


async def test_checkout_images_decode_to_the_checkout_payload(api: ApiClient) -> None:
    merchant = await api.merchant()
    body = {"amount": 100, "currency": "THB", "reference": "IMG"}
    checkout = (await api.post("/v1/checkouts", body, key=merchant["key"])).json()

    png = await api.get(f"/v1/checkouts/{checkout['id']}/qr.png", key=merchant["key"])
    svg = await api.get(f"/v1/checkouts/{checkout['id']}/qr.svg", key=merchant["key"])

    assert png.headers["content-type"] == "image/png"
    assert qr_image.read_image(png.content) == [checkout["qr_payload"]]
    assert svg.text.startswith("<svg") or svg.text.startswith("<?xml")


async def test_static_code_is_paid_with_the_amount_the_payer_types(api: ApiClient) -> None:
    merchant, wallet = await api.merchant(), await api.wallet()
    png = await api.get("/v1/merchant/qr.png", key=merchant["key"])
    payload = qr_image.read_image(png.content)[0]

    without = await api.post("/v1/payments", {"qr_payload": payload}, key=wallet["token"])
    paid = await api.post(
        "/v1/payments", {"qr_payload": payload, "amount": 777}, key=wallet["token"]
    )

    assert without.json()["code"] == "payment.amount_required"
    assert paid.status_code == 201
    assert paid.json()["amount"] == 777


async def test_consumer_presented_code_is_charged_once(api: ApiClient) -> None:
    merchant, wallet = await api.merchant(), await api.wallet()
    api.h.clock.advance(seconds=1)
    token = (await api.post("/v1/wallet/cpm-tokens", key=wallet["token"])).json()
    body = {"cpm_payload": token["payload"], "amount": 450, "currency": "THB"}

    first = await api.post("/v1/payments/cpm", body, key=merchant["key"])
    second = await api.post("/v1/payments/cpm", body, key=merchant["key"])

    assert first.status_code == 201, first.text
    assert second.status_code == 409
    assert second.json()["code"] == "payment.cpm_token_used_or_expired"
    history = (await api.get("/v1/wallet/transactions", key=wallet["token"])).json()
    assert [t["amount"] for t in history["data"]] == [-450, 10_000]


async def test_wallet_cannot_read_a_payment_of_another_wallet(api: ApiClient) -> None:
    merchant = await api.merchant()
    payer, other = await api.wallet(), await api.wallet()
    payment_id = await _paid(api, merchant, payer["token"], 100)

    mine = await api.get(f"/v1/payments/{payment_id}", key=payer["token"])
    theirs = await api.get(f"/v1/payments/{payment_id}", key=other["token"])

    assert mine.status_code == 200
    assert theirs.status_code == 404


async def test_health_readiness_metrics_and_openapi(api: ApiClient) -> None:
    assert (await api.http.get("/healthz")).json() == {"status": "ok"}
    assert (await api.http.get("/readyz")).json() == {"status": "ready"}
    metrics = (await api.http.get("/metrics")).text
    assert "qrpay_http_requests_total" in metrics
    spec = (await api.http.get("/openapi.json")).json()
    assert "/v1/payments" in spec["paths"]
    assert (await api.http.get("/docs")).status_code == 200


async def test_responses_carry_a_request_id(api: ApiClient) -> None:
    given = await api.http.get("/healthz", headers={"X-Request-Id": "abc-123"})
    made = await api.http.get("/healthz")

    assert given.headers["x-request-id"] == "abc-123"
    assert len(made.headers["x-request-id"]) == 32
