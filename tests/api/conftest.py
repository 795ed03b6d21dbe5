"""The HTTP API in process: httpx over ASGI, against every store the product ships.

``api`` runs each test three times: ``[fake]`` (in-memory fakes, fastest), ``[sqlite]``
(the embedded default: SQLite and the in-process session store) and ``[postgres]``
(production: PostgreSQL and Redis; skipped without the servers unless ``CI=true``). Time is
a fake clock in every case, so expiries are tested without sleeping. Helpers on the client
onboard a merchant and a wallet through the operator API, as a real operator would.
"""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from qrpay.adapters.db.store import SqlStore
from qrpay.adapters.session_store.base import SessionStore
from qrpay.adapters.session_store.factory import session_store_from_url
from qrpay.adapters.session_store.memory import MemorySessionStore
from qrpay.api.app import create_app
from qrpay.api.state import ApiState, Limits
from qrpay.domain.audit import Sha256Sealer
from qrpay.domain.credentials import credential_hash
from qrpay.domain.errors import Unavailable
from qrpay.domain.settlement import BusinessDayRule
from qrpay.services.audit import AuditTrail
from qrpay.services.back_office import BackOffice
from tests.databases import PostgresDatabase, sqlite_url
from tests.fakes.audit import InMemoryAuditLog
from tests.fakes.clock import FakeClock
from tests.fakes.context import Harness, harness
from tests.notifications import webhook_settings

OPERATOR_KEY = "op_test_operator_key_0123456789"
LIVE_POLL_S = 30.0
"""Long, so that a checkout stream that ends promptly was woken by its channel."""
_keys = itertools.count()


@dataclass
class ApiClient:
    http: httpx.AsyncClient
    h: Harness
    audit: InMemoryAuditLog

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

    async def pay_checkout(self, merchant: dict[str, Any], token: str, amount: int) -> str:
        """A checkout of ``merchant`` for ``amount``, paid by the wallet; the payment's id."""
        body = {"amount": amount, "currency": "THB", "reference": f"R{amount}"}
        checkout = (await self.post("/v1/checkouts", body, key=merchant["key"])).json()
        paid = await self.post("/v1/payments", {"qr_payload": checkout["qr_payload"]}, key=token)
        assert paid.status_code == 201, paid.text
        payment_id: str = paid.json()["id"]
        return payment_id

    async def wallet(self, balance: int = 10_000, currency: str = "THB") -> dict[str, Any]:
        body = {"name": "Ann", "currency": currency, "balance": balance}
        response = await self.post("/v1/wallets", body, key=OPERATOR_KEY)
        assert response.status_code == 201, response.text
        wallet: dict[str, Any] = response.json()
        return wallet


async def _ready() -> None:
    return None


API_BACKENDS = [
    pytest.param("fake", id="fake"),
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=[pytest.mark.postgres, pytest.mark.redis]),
]


@pytest.fixture(params=API_BACKENDS)
async def api(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ApiClient]:
    async for client in _backend_client(request, tmp_path, request.param):
        yield client


@pytest.fixture(params=API_BACKENDS[1:])
async def sql_api(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ApiClient]:
    """Only the real stores: for concurrency, which the fake does not model."""
    async for client in _backend_client(request, tmp_path, request.param):
        yield client


async def _backend_client(
    request: pytest.FixtureRequest, tmp_path: Path, backend: str
) -> AsyncIterator[ApiClient]:
    if backend == "fake":
        h = harness()
        channels = MemorySessionStore(clock=h.clock, prefix="qrpay-test:")
        async for client in _client(h, channels):
            yield client
        await channels.close()
        return
    clock = FakeClock()
    sessions: SessionStore
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        url = sqlite_url(Path(shutil.copyfile(template, tmp_path / "qrpay.db")))
        sessions = MemorySessionStore(clock=clock, prefix="qrpay-test:")
    else:
        database: PostgresDatabase = request.getfixturevalue("postgres_database")
        database.empty()
        url = database.url
        sessions = await _redis_sessions(clock)
    store = SqlStore(url)
    try:
        h = harness(store=store, tokens=sessions, clock=clock)
        async for client in _client(h, sessions):
            yield client
    finally:
        await sessions.close()
        await store.dispose()


async def _redis_sessions(clock: FakeClock) -> SessionStore:
    url = os.environ.get("QRPAY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    sessions = session_store_from_url(
        url, prefix=f"qrpay-test:{secrets.token_hex(6)}:", clock=clock
    )
    try:
        await sessions.ping()
    except Unavailable as exc:
        await sessions.close()
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {url} is unreachable ({exc}); CI=true, so it must run")
        pytest.skip(f"Redis at {url} is unreachable ({exc}); set QRPAY_TEST_REDIS_URL")
    return sessions


async def _client(h: Harness, channels: SessionStore) -> AsyncIterator[ApiClient]:
    audit = InMemoryAuditLog()
    state = ApiState(
        ctx=h.ctx,
        tokens=h.tokens,
        operator_key_hash=credential_hash(OPERATOR_KEY, h.ctx.pepper),
        ready=_ready,
        limits=Limits(live_poll_s=LIVE_POLL_S),
        channels=channels,
        back_office=BackOffice(
            webhook_settings(),
            AuditTrail(audit, Sha256Sealer(), h.clock.now),
            BusinessDayRule("Asia/Bangkok"),
        ),
    )
    app = create_app(state)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield ApiClient(http, h, audit)
