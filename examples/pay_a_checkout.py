"""Walk through one QR payment against a running demo gateway.

Start the gateway first (``./scripts/run``), then in another terminal:

    .venv/bin/python examples/pay_a_checkout.py            # uses data/demo.json
    .venv/bin/python examples/pay_a_checkout.py --data-dir /path/to/data

It creates a checkout as the merchant, decodes its QR code as the payer's wallet, pays it,
refunds half, and prints each step's answer.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    args = parser.parse_args()
    demo = json.loads((args.data_dir / "demo.json").read_text())
    merchant_key = demo["merchants"][0]["api_key"]
    wallet_token = demo["wallets"][0]["token"]

    with httpx.Client(base_url=demo["base_url"], timeout=10) as client:

        def post(path: str, key: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
            headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": str(uuid.uuid4())}
            response = client.post(path, json=body, headers=headers)
            print(f"POST {path} -> {response.status_code}")
            print(json.dumps(response.json(), indent=2))
            response.raise_for_status()
            answer: dict[str, Any] = response.json()
            return answer

        checkout = post(
            "/v1/checkouts",
            merchant_key,
            {"amount": 12050, "currency": "THB", "reference": "ORDER-42"},
        )
        post("/v1/qr/decode", wallet_token, {"payload": checkout["qr_payload"]})
        payment = post("/v1/payments", wallet_token, {"qr_payload": checkout["qr_payload"]})
        post(f"/v1/payments/{payment['id']}/refunds", merchant_key, {"amount": 6025})
    return 0


if __name__ == "__main__":
    sys.exit(main())
