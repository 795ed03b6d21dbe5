"""Webhook endpoints, events, dead letters, replays and settlements over HTTP, on every store."""

from __future__ import annotations

from typing import Any

from qrpay.services.delivery import relay_once
from tests.api.conftest import OPERATOR_KEY, ApiClient

HOOK = "https://127.0.0.1:9/hooks"  # loopback is allowed in these tests; nothing is sent


async def _paid(api: ApiClient, key: str, token: str, amount: int = 2500) -> dict[str, Any]:
    checkout = (
        await api.post(
            "/v1/checkouts", {"amount": amount, "currency": "THB", "reference": "R"}, key=key
        )
    ).json()
    paid = await api.post("/v1/payments", {"qr_payload": checkout["qr_payload"]}, key=token)
    assert paid.status_code == 201, paid.text
    payment: dict[str, Any] = paid.json()
    return payment


async def test_an_endpoint_is_created_with_its_secret_once_and_is_the_merchants_own(
    api: ApiClient,
) -> None:
    shop, other = await api.merchant(), await api.merchant("Other")
    body = {"url": HOOK, "events": ["payment.succeeded", "checkout.completed"]}
    created = await api.post("/v1/webhook-endpoints", body, key=shop["key"], idem="e1")
    assert created.status_code == 201, created.text
    endpoint = created.json()
    assert endpoint["secret"].startswith("whsec_")
    assert endpoint["status"] == "enabled"
    # the same key replays the same answer; the secret is not made twice
    again = await api.post("/v1/webhook-endpoints", body, key=shop["key"], idem="e1")
    assert again.json() == endpoint
    listed = (await api.get("/v1/webhook-endpoints", key=shop["key"])).json()["data"]
    assert [e["id"] for e in listed] == [endpoint["id"]]
    assert "secret" not in listed[0]
    path = f"/v1/webhook-endpoints/{endpoint['id']}"
    assert (await api.get(path, key=other["key"])).status_code == 404
    assert (await api.get("/v1/webhook-endpoints", key=other["key"])).json()["data"] == []


async def test_bad_endpoints_are_refused_with_a_code(api: ApiClient) -> None:
    shop = await api.merchant()
    cases = [
        ({"url": "ftp://shop.example/h", "events": ["*"]}, "webhook.url_refused"),
        ({"url": "https://0.0.0.0/h", "events": ["*"]}, "webhook.url_refused"),
        ({"url": HOOK, "events": ["payment.teleported"]}, "webhook.event_type_unknown"),
        ({"url": HOOK, "events": []}, "request.invalid"),
    ]
    for body, code in cases:
        refused = await api.post("/v1/webhook-endpoints", body, key=shop["key"])
        assert refused.status_code == 422, body
        assert refused.json()["code"] == code


async def test_update_rotate_and_delete(api: ApiClient) -> None:
    shop = await api.merchant()
    endpoint = (
        await api.post("/v1/webhook-endpoints", {"url": HOOK, "events": ["*"]}, key=shop["key"])
    ).json()
    path = f"/v1/webhook-endpoints/{endpoint['id']}"
    changed = await api.http.patch(
        path,
        json={"events": ["payment.refunded"], "enabled": False},
        headers={"Authorization": f"Bearer {shop['key']}"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["events"] == ["payment.refunded"]
    assert changed.json()["status"] == "disabled"
    assert changed.json()["disabled_reason"] == "merchant"
    rotated = await api.post(f"{path}/rotate-secret", key=shop["key"])
    assert rotated.status_code == 201, rotated.text
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != endpoint["secret"]
    assert any(e.record.action == "webhook_endpoint.secret_rotated" for e in api.audit.rows)
    deleted = await api.http.delete(path, headers={"Authorization": f"Bearer {shop['key']}"})
    assert deleted.status_code == 200
    assert (await api.get(path, key=shop["key"])).status_code == 404


async def test_events_are_polled_in_order_filtered_and_replayed_with_an_audit(
    api: ApiClient,
) -> None:
    shop, other = await api.merchant(), await api.merchant("Other")
    wallet = await api.wallet(balance=100_000)
    await api.post(
        "/v1/webhook-endpoints", {"url": HOOK, "events": ["payment.succeeded"]}, key=shop["key"]
    )
    payments = [await _paid(api, shop["key"], wallet["token"]) for _ in range(3)]
    await relay_once(api.h.ctx)
    # every event, oldest first, two pages
    first = (await api.get("/v1/events", key=shop["key"], limit=4)).json()
    assert first["has_more"] is True
    rest = (await api.get("/v1/events", key=shop["key"], after=first["next_after"])).json()
    events = first["data"] + rest["data"]
    assert len(events) == 6
    assert [e["position"] for e in events] == sorted(e["position"] for e in events)
    # a type filter, and nothing for another merchant
    only = (await api.get("/v1/events", key=shop["key"], type="payment.succeeded")).json()
    assert [e["data"]["object_id"] for e in only["data"]] == [p["id"] for p in payments]
    assert (await api.get("/v1/events", key=other["key"])).json()["data"] == []
    foreign = await api.get("/v1/events", key=other["key"], after=events[0]["id"])
    assert foreign.status_code == 404
    # replay one event and a range: one delivery each per subscribed endpoint, audited
    one = await api.post(f"/v1/events/{only['data'][0]['id']}/replay", key=shop["key"])
    assert one.status_code == 201, one.text
    assert one.json()["deliveries"] == 1
    window = {"from": "2000-01-01T00:00:00Z", "to": "2000-01-02T00:00:00Z"}
    empty = await api.post("/v1/events/replay", window, key=shop["key"])
    assert empty.json() == {"deliveries": 0, "events": []}
    start = events[0]["created_at"]
    window = {"from": start, "to": "2100-01-01T00:00:00Z"}
    too_long = await api.post("/v1/events/replay", window, key=shop["key"])
    assert too_long.json()["code"] == "webhook.replay_range_invalid"
    actions = [e.record.action for e in api.audit.rows]
    assert actions.count("events.replayed") == 2
    assert (
        await api.post(f"/v1/events/{events[0]['id']}/replay", key=other["key"])
    ).status_code == 404


async def test_disabling_an_endpoint_moves_its_pending_deliveries_to_the_dead_letters(
    api: ApiClient,
) -> None:
    shop = await api.merchant()
    wallet = await api.wallet(balance=100_000)
    endpoint = (
        await api.post("/v1/webhook-endpoints", {"url": HOOK, "events": ["*"]}, key=shop["key"])
    ).json()
    await _paid(api, shop["key"], wallet["token"])
    await relay_once(api.h.ctx)
    assert (await api.get("/v1/webhook-deliveries", key=shop["key"], status="dead")).json()[
        "data"
    ] == []
    await api.http.patch(
        f"/v1/webhook-endpoints/{endpoint['id']}",
        json={"enabled": False},
        headers={"Authorization": f"Bearer {shop['key']}"},
    )
    dead = (await api.get("/v1/webhook-deliveries", key=shop["key"], status="dead")).json()
    assert len(dead["data"]) == 2
    assert {d["dead_reason"] for d in dead["data"]} == {"endpoint_disabled"}


async def test_settlements_per_merchant_for_the_operator_and_the_merchant(api: ApiClient) -> None:
    shop, other = await api.merchant(), await api.merchant("Other")
    wallet = await api.wallet(balance=100_000)
    payment = await _paid(api, shop["key"], wallet["token"], 2500)
    await _paid(api, other["key"], wallet["token"], 1000)
    refund = await api.post(
        f"/v1/payments/{payment['id']}/refunds", {"amount": 500}, key=shop["key"]
    )
    assert refund.status_code == 201
    day = "2026-11-24"  # the fake clock's day, in Bangkok too (09:00 UTC is 16:00 there)
    everyone = (await api.get("/v1/settlements", key=OPERATOR_KEY, date=day)).json()
    lines = {line["merchant_id"]: line for line in everyone["data"]}
    assert lines[shop["id"]] == {
        "business_day": day,
        "merchant_id": shop["id"],
        "network": "onus",
        "currency": "THB",
        "count": 1,
        "gross_minor": 2500,
        "refunds_minor": 500,
        "fees_minor": 0,
        "net_minor": 2000,
    }
    assert lines[other["id"]]["net_minor"] == 1000
    own = (await api.get("/v1/settlements", key=shop["key"], date=day)).json()
    assert [line["merchant_id"] for line in own["data"]] == [shop["id"]]
    csv = await api.get("/v1/settlements", key=shop["key"], date=day, format="csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[1].endswith("onus,THB,1,2500,500,0,2000")
    bad = await api.get("/v1/settlements", key=shop["key"], date="24/11/2026")
    assert bad.json()["code"] == "back_office.business_day_invalid"
    nothing = (await api.get("/v1/settlements", key=OPERATOR_KEY, date="2026-11-23")).json()
    assert nothing["data"] == []


async def test_the_openapi_document_and_the_backlog_gauge(api: ApiClient) -> None:
    spec = (await api.http.get("/openapi.json")).json()
    for path in (
        "/v1/webhook-endpoints",
        "/v1/webhook-endpoints/{endpoint_id}",
        "/v1/webhook-endpoints/{endpoint_id}/rotate-secret",
        "/v1/events",
        "/v1/events/{event_id}/replay",
        "/v1/events/replay",
        "/v1/webhook-deliveries",
        "/v1/settlements",
        "/v1/reconciliations",
    ):
        assert path in spec["paths"], path
    metrics = (await api.http.get("/metrics")).text
    assert "qrpay_webhook_backlog" in metrics


async def test_reconciliations_are_for_the_operator(api: ApiClient) -> None:
    shop = await api.merchant()
    refused = await api.http.post(
        "/v1/reconciliations?network=instant",
        content=b"<x/>",
        headers={"Authorization": f"Bearer {shop['key']}", "Idempotency-Key": "r1"},
    )
    assert refused.status_code == 403
    unreadable = await api.http.post(
        "/v1/reconciliations?network=instant",
        content=b"<x/>",
        headers={"Authorization": f"Bearer {OPERATOR_KEY}", "Idempotency-Key": "r2"},
    )
    assert unreadable.json()["code"] == "back_office.report_unreadable"
    unknown = await api.http.post(
        "/v1/reconciliations?network=telegraph",
        content=b"x",
        headers={"Authorization": f"Bearer {OPERATOR_KEY}", "Idempotency-Key": "r3"},
    )
    assert unknown.json()["code"] == "back_office.network_unknown"
