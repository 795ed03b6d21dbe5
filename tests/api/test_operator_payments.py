"""The operator's reads across merchants: filters, cursor, timeline, hourly stats."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.api.conftest import OPERATOR_KEY, ApiClient


async def _ids(api: ApiClient, **params: Any) -> list[str]:
    response = await api.get("/v1/operator/payments", key=OPERATOR_KEY, **params)
    assert response.status_code == 200, response.text
    return [p["id"] for p in response.json()["data"]]


async def test_operator_lists_every_merchants_payments_with_filters(api: ApiClient) -> None:
    first, second = await api.merchant("Somtam Corner"), await api.merchant("Khao Man Gai")
    wallet = await api.wallet(balance=100_000)
    early = await api.pay_checkout(first, wallet["token"], 100)
    cut = (api.h.clock.now() + timedelta(minutes=30)).isoformat()
    api.h.clock.advance(hours=1)
    late = await api.pay_checkout(second, wallet["token"], 200)
    await api.post(f"/v1/payments/{late}/refunds", {"amount": 200}, key=second["key"])

    assert await _ids(api) == [late, early]
    assert await _ids(api, merchant_id=first["id"]) == [early]
    assert await _ids(api, status="refunded") == [late]
    assert await _ids(api, network="qrpay") == [late, early]
    assert await _ids(api, network="pix") == []
    assert await _ids(api, created_lt=cut) == [early]
    assert await _ids(api, created_gte=cut) == [late]
    assert await _ids(api, limit=1, starting_after=late) == [early]


async def test_operator_reads_a_payments_timeline(api: ApiClient) -> None:
    merchant, wallet = await api.merchant(), await api.wallet()
    payment_id = await api.pay_checkout(merchant, wallet["token"], 500)
    await api.post(f"/v1/payments/{payment_id}/refunds", {"amount": 100}, key=merchant["key"])

    detail = (await api.get(f"/v1/operator/payments/{payment_id}", key=OPERATOR_KEY)).json()

    kinds = [e["kind"] for e in detail["timeline"]]
    assert kinds == [
        "payment.created",
        "payment.route_decided",
        "payment.attempt",
        "payment.succeeded",
        "payment.refunded",
    ]
    assert detail["timeline"][1]["data"]["network"] == "qrpay"
    assert detail["timeline"][2]["data"]["latency_ms"] >= 0
    assert [r["amount"] for r in detail["refunds"]] == [100]
    assert detail["attempts"][0]["status"] == "approved"


async def test_operator_reads_are_refused_to_merchants_and_payers(api: ApiClient) -> None:
    merchant, wallet = await api.merchant(), await api.wallet()
    for key in (merchant["key"], wallet["token"]):
        for path in ("/v1/operator/payments", "/v1/operator/stats/payments"):
            response = await api.get(path, key=key)
            assert response.status_code == 403
            assert response.json()["code"] == "auth.forbidden"


async def test_stats_count_volume_success_and_latency_per_hour(api: ApiClient) -> None:
    merchant, wallet = await api.merchant(), await api.wallet(balance=100_000)
    await api.pay_checkout(merchant, wallet["token"], 100)
    await api.pay_checkout(merchant, wallet["token"], 250)
    api.h.clock.advance(hours=1)
    await api.pay_checkout(merchant, wallet["token"], 400)

    stats = (await api.get("/v1/operator/stats/payments", key=OPERATOR_KEY, hours=3)).json()

    volume = [
        (v["network"], v["created"], v["succeeded"], v["amount_succeeded"]) for v in stats["volume"]
    ]
    assert volume == [("qrpay", 2, 2, 350), ("qrpay", 1, 1, 400)]
    assert [(h["network"], h["samples"]) for h in stats["latency"]] == [("qrpay", 2), ("qrpay", 1)]
    assert all(0 <= h["latency_ms_p50"] <= h["latency_ms_p99"] for h in stats["latency"])


async def test_stats_range_is_bounded(api: ApiClient) -> None:
    response = await api.get("/v1/operator/stats/payments", key=OPERATOR_KEY, hours=24 * 7 + 1)

    assert response.status_code == 422
    assert response.json()["code"] == "request.invalid"
