"""What the hosted checkout page reads without credentials: the checkout, its code, its
live status as server-sent events."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from qrpay.adapters import qr_image
from tests.api.conftest import ApiClient

STREAM_WAIT_S = 10.0


async def _checkout(api: ApiClient, **fields: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    merchant = await api.merchant()
    body = {"amount": 12050, "currency": "THB", "reference": "SECRET-ORDER-7", **fields}
    created = await api.post("/v1/checkouts", body, key=merchant["key"])
    assert created.status_code == 201, created.text
    return merchant, created.json()


def _events(response: httpx.Response) -> list[str]:
    return [line for line in response.text.splitlines() if line.startswith("data: ")]


async def test_public_read_shows_the_payer_only_what_the_code_says(api: ApiClient) -> None:
    merchant, checkout = await _checkout(api)

    response = await api.http.get(f"/v1/checkouts/{checkout['id']}/public")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {
        "id": checkout["id"],
        "merchant_name": merchant["display_name"],
        "merchant_city": "Bangkok",
        "amount": 12050,
        "currency": "THB",
        "currency_exponent": 2,
        "status": "open",
        "expires_at": checkout["expires_at"],
        "qr_payload": checkout["qr_payload"],
    }
    assert "SECRET-ORDER-7" not in response.text


async def test_public_qr_image_is_the_merchants_image_of_the_payload(api: ApiClient) -> None:
    _, checkout = await _checkout(api)

    response = await api.http.get(f"/v1/checkouts/{checkout['id']}/public/qr.svg")

    assert response.headers["content-type"] == "image/svg+xml"
    assert "immutable" in response.headers["cache-control"]
    assert response.text == qr_image.render_svg(checkout["qr_payload"])


async def test_unknown_checkout_is_not_found_on_every_public_read(api: ApiClient) -> None:
    for path in ("/public", "/public/qr.svg", "/events"):
        response = await api.http.get(f"/v1/checkouts/chk_00000000000000000000{path}")
        assert response.status_code == 404
        assert response.json()["code"] == "resource.not_found"


async def test_event_stream_of_a_paid_checkout_sends_paid_and_ends(api: ApiClient) -> None:
    _, checkout = await _checkout(api)
    wallet = await api.wallet(balance=100_000)
    paid = await api.post(
        "/v1/payments", {"qr_payload": checkout["qr_payload"]}, key=wallet["token"]
    )

    response = await api.http.get(f"/v1/checkouts/{checkout['id']}/events")

    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.text.startswith("retry: ")
    assert _events(response) == [f'data: {{"status":"paid","payment_id":"{paid.json()["id"]}"}}']


async def test_event_stream_of_an_expired_checkout_says_expired(api: ApiClient) -> None:
    _, checkout = await _checkout(api, expires_in=60)
    api.h.clock.advance(seconds=61)

    response = await api.http.get(f"/v1/checkouts/{checkout['id']}/events")

    assert _events(response) == ['data: {"status":"expired","payment_id":null}']


async def test_a_listening_stream_flips_to_paid_when_the_payment_commits(api: ApiClient) -> None:
    # given a page listening to an open checkout (its poll timer is 30 s: see conftest)
    _, checkout = await _checkout(api)
    wallet = await api.wallet(balance=100_000)
    listening = asyncio.create_task(api.http.get(f"/v1/checkouts/{checkout['id']}/events"))
    await asyncio.sleep(0.2)
    # when the wallet pays it
    paid = await api.post(
        "/v1/payments", {"qr_payload": checkout["qr_payload"]}, key=wallet["token"]
    )
    # then the stream says open, then paid, long before the next poll
    response = await asyncio.wait_for(listening, STREAM_WAIT_S)
    assert _events(response) == [
        'data: {"status":"open","payment_id":null}',
        f'data: {{"status":"paid","payment_id":"{paid.json()["id"]}"}}',
    ]
