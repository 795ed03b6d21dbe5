"""The HTTP API in process: httpx over ASGI, against one of the stores.

``api`` yields an ``ApiClient`` bound to a fresh gateway; ``backend`` chooses the store
(``fake`` here; the storage fixtures add ``sqlite`` and ``postgres``). Helpers on the client
onboard a merchant and a wallet through the operator API, as a real operator would.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from qrpay.api.app import create_app
from qrpay.api.state import ApiState
from qrpay.domain.credentials import credential_hash
from tests.fakes.context import Harness, harness

OPERATOR_KEY = "op_test_operator_key_0123456789"
_keys = itertools.count()


@dataclass
class ApiClient:
    http: httpx.AsyncClient
    h: Harness

    async def post(
        self, path: str, body: Any = None, *, key: str, idem: str | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key}"}
        headers["Idempotency-Key"] = idem or f"k{next(_keys)}"
        return await self.http.post(path, json=body, headers=headers)

    async def get(self, path: str, *, key: str, **params: Any) -> httpx.Response:
        return await self.http.get(path, params=params, headers={"Authorization": f"Bearer {key}"})

    async def merchant(self, name: str = "Somtam Corner", currency: str = "THB") -> dict[str, Any]:
        body = {
            "name": name,
            "city": "Bangkok",
            "country": "TH",
            "mcc": "5812",
            "currency": currency,
        }
        merchant = (await self.post("/v1/merchants", body, key=OPERATOR_KEY)).json()
        key = (await self.post(f"/v1/merchants/{merchant['id']}/api-keys", key=OPERATOR_KEY)).json()
        return {**merchant, "key": key["key"]}

    async def wallet(self, balance: int = 10_000, currency: str = "THB") -> dict[str, Any]:
        body = {"name": "Ann", "currency": currency, "balance": balance}
        response = await self.post("/v1/wallets", body, key=OPERATOR_KEY)
        assert response.status_code == 201, response.text
        wallet: dict[str, Any] = response.json()
        return wallet


async def _ready() -> None:
    return None


@pytest.fixture
async def api() -> AsyncIterator[ApiClient]:
    h = harness()
    state = ApiState(
        ctx=h.ctx,
        tokens=h.tokens,
        operator_key_hash=credential_hash(OPERATOR_KEY, h.ctx.pepper),
        ready=_ready,
    )
    app = create_app(state)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield ApiClient(http, h)
