"""Live status across instances: paid through one gateway, streamed by another within 1 s."""

from __future__ import annotations

import base64
import json
import os
import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import URL

from tests.databases import create_postgres_database, drop_postgres_database, unique_database_name
from tests.e2e.server import running
from tests.loops import run_once

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

REDIS_URL = os.environ.get("QRPAY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
DELIVERY_S_MAX = 1.0


@pytest.fixture
def shared_environment(postgres_server: URL) -> Iterator[dict[str, str]]:
    """What two instances of one deployment share: database, Redis, secrets."""
    name = unique_database_name("_live")
    url = run_once(create_postgres_database(postgres_server, name))
    try:
        yield {
            "QRPAY_DATABASE_URL": url.render_as_string(hide_password=False),
            "QRPAY_REDIS_URL": REDIS_URL,
            "QRPAY_SESSION_PREFIX": f"qrpay-live:{secrets.token_hex(4)}:",
            "QRPAY_OPERATOR_KEY": "op_" + secrets.token_urlsafe(24),
            "QRPAY_CREDENTIAL_PEPPER": secrets.token_urlsafe(32),
            "QRPAY_MASTER_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            # The stream's own re-read is slow, so only Redis pub/sub can be this fast.
            "QRPAY_LIVE_POLL_S": "30",
        }
    finally:
        run_once(drop_postgres_database(postgres_server, name))


def _post(base_url: str, path: str, key: str, body: dict[str, object]) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": secrets.token_hex(8)}
    return httpx.post(f"{base_url}{path}", json=body, headers=headers, timeout=10)


def test_a_checkout_paid_on_one_instance_streams_paid_on_the_other(
    tmp_path: Path, shared_environment: dict[str, str]
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    env = shared_environment
    with running(tmp_path / "a", "--demo", env=env) as a, running(tmp_path / "b", env=env) as b:
        demo = a.demo()
        merchant_key, token = demo["merchants"][0]["api_key"], demo["wallets"][0]["token"]
        checkout = _post(
            a.base_url, "/v1/checkouts", merchant_key,
            {"amount": 500, "currency": "THB", "reference": "LIVE"},
        ).json()  # fmt: skip
        statuses: list[tuple[float, str]] = []
        opened = threading.Event()

        def listen() -> None:
            url = f"{b.base_url}/v1/checkouts/{checkout['id']}/events"
            with httpx.stream("GET", url, timeout=15) as response:
                for line in response.iter_lines():
                    if line.startswith("data:"):
                        statuses.append((time.monotonic(), json.loads(line[5:])["status"]))
                        opened.set()

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        assert opened.wait(10), "instance B never sent the checkout's first status"
        paid_at = time.monotonic()
        paid = _post(a.base_url, "/v1/payments", token, {"qr_payload": checkout["qr_payload"]})
        listener.join(10)

    assert paid.status_code == 201, paid.text
    assert [s for _, s in statuses] == ["open", "paid"]
    assert statuses[-1][0] - paid_at < DELIVERY_S_MAX
