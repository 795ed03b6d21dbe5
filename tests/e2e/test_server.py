"""The gateway as its own process over real HTTP, embedded and production configurations."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import URL

from tests.databases import create_postgres_database, drop_postgres_database, unique_database_name
from tests.e2e.server import qrpay, running
from tests.loops import run_once

REDIS_URL = os.environ.get("QRPAY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=[pytest.mark.postgres, pytest.mark.redis]),
    ]
)
def environment(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """Environment variables of the server: none for embedded; a fresh database for PG."""
    if request.param == "sqlite":
        yield {}
        return
    server: URL = request.getfixturevalue("postgres_server")
    name = unique_database_name("_e2e")
    url = run_once(create_postgres_database(server, name))
    try:
        yield {
            "QRPAY_DATABASE_URL": url.render_as_string(hide_password=False),
            "QRPAY_REDIS_URL": REDIS_URL,
            "QRPAY_SESSION_PREFIX": f"qrpay-e2e:{secrets.token_hex(4)}:",
        }
    finally:
        run_once(drop_postgres_database(server, name))


def _post(
    client: httpx.Client, path: str, key: str, body: dict[str, Any] | None = None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": secrets.token_hex(8)}
    return client.post(path, json=body, headers=headers)


def test_demo_server_takes_a_qr_payment_and_two_refunds(
    tmp_path: Path, environment: dict[str, str]
) -> None:
    with running(tmp_path, "--demo", env=environment) as server:
        demo = server.demo()
        key = demo["merchants"][0]["api_key"]
        token = demo["wallets"][0]["token"]
        with httpx.Client(base_url=server.base_url, timeout=10) as client:
            balance = client.get("/v1/wallet", headers={"Authorization": f"Bearer {token}"}).json()[
                "balance"
            ]
            checkout = _post(
                client,
                "/v1/checkouts",
                key,
                {"amount": 12050, "currency": "THB", "reference": "E2E"},
            ).json()
            preview = _post(
                client, "/v1/qr/decode", token, {"payload": checkout["qr_payload"]}
            ).json()
            paid = _post(client, "/v1/payments", token, {"qr_payload": checkout["qr_payload"]})
            again = _post(client, "/v1/payments", token, {"qr_payload": checkout["qr_payload"]})
            halves = [
                _post(client, f"/v1/payments/{paid.json()['id']}/refunds", key, {"amount": 6025})
                for _ in range(2)
            ]
            third = _post(client, f"/v1/payments/{paid.json()['id']}/refunds", key, {"amount": 1})
            after = client.get("/v1/wallet", headers={"Authorization": f"Bearer {token}"}).json()
            merchant = client.get("/v1/merchant", headers={"Authorization": f"Bearer {key}"}).json()

    assert preview["merchant_name"] == demo["merchants"][0]["name"]
    assert paid.status_code == 201, paid.text
    assert again.json()["code"] == "checkout.already_paid"
    assert [h.status_code for h in halves] == [201, 201]
    assert third.json()["code"] == "payment.not_refundable"
    assert after["balance"] == balance
    assert merchant["balance"] == 0


def test_restart_keeps_the_demo_credentials(tmp_path: Path, environment: dict[str, str]) -> None:
    with running(tmp_path, "--demo", env=environment) as first:
        before = first.demo()
    with running(tmp_path, "--demo", env=environment) as second:
        after = second.demo()
        response = httpx.get(
            f"{second.base_url}/v1/wallet",
            headers={"Authorization": f"Bearer {after['wallets'][0]['token']}"},
        )

    assert after["merchants"] == before["merchants"]
    assert response.status_code == 200


def test_serve_refuses_an_unmigrated_database(tmp_path: Path, environment: dict[str, str]) -> None:
    result = qrpay(
        "serve", "--data-dir", str(tmp_path), "--port", "1", env=environment, timeout_s=60
    )

    assert result.returncode == 1
    assert "storage.not_migrated" in result.stderr
    assert "qrpay migrate" in result.stderr
    assert result.stderr.count("\n") == 1


def test_the_documented_example_runs_against_the_demo(tmp_path: Path) -> None:
    example = Path(__file__).parents[2] / "examples" / "pay_a_checkout.py"
    with running(tmp_path, "--demo"):
        result = subprocess.run(
            [sys.executable, str(example), "--data-dir", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "POST /v1/payments -> 201" in result.stdout
    assert '"status": "partially_refunded"' in result.stdout
