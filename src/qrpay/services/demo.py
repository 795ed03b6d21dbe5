"""Demo data: a merchant with a store and terminal, two funded wallets, and ``demo.json``.

Seeding is idempotent: when ``demo.json`` names a merchant the database knows, the same
credentials are reused, so restarting ``qrpay serve --demo`` keeps the keys a script holds.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from qrpay.domain.ids import MerchantId
from qrpay.services import onboarding
from qrpay.services.context import Context

DEMO_FILE = "demo.json"


@dataclass(frozen=True)
class DemoMerchant:
    id: str
    name: str
    api_key: str
    network: str
    terminal_id: str


@dataclass(frozen=True)
class DemoWallet:
    id: str
    name: str
    token: str
    currency: str


@dataclass(frozen=True)
class Demo:
    operator_key: str
    base_url: str
    merchants: list[DemoMerchant]
    wallets: list[DemoWallet]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"


async def seed(ctx: Context, data_dir: Path, operator_key: str) -> Demo:
    path = data_dir / DEMO_FILE
    existing = await _existing(ctx, path)
    if existing is not None:
        return existing
    async with ctx.uow() as uow:
        merchant = await onboarding.create_merchant(
            ctx,
            uow,
            onboarding.CreateMerchant(
                "Somtam Corner Co., Ltd.", "Bangkok", "TH", "5812", "THB", "Somtam Corner"
            ),
        )
        terminal = await onboarding.add_terminal(ctx, uow, merchant.id, "Sukhumvit 11", "POS-01")
        _, api_key = await onboarding.issue_api_key(ctx, uow, merchant.id)
        wallets = []
        for name, balance in (("Ann", 500_000), ("Ben", 100_000)):
            wallet, token, _ = await onboarding.create_wallet(
                ctx, uow, onboarding.CreateWallet(name, "THB", balance)
            )
            wallets.append(DemoWallet(wallet.id, name, token, "THB"))
        await uow.commit()
    demo = Demo(
        operator_key=operator_key,
        base_url=ctx.public_url,
        merchants=[DemoMerchant(merchant.id, merchant.display_name, api_key, "onus", terminal.id)],
        wallets=wallets,
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.write_text(demo.to_json(), encoding="utf-8")
    return demo


async def _existing(ctx: Context, path: Path) -> Demo | None:
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    merchants = [DemoMerchant(**m) for m in data.get("merchants", [])]
    if not merchants:
        return None
    async with ctx.uow() as uow:
        known = await uow.merchants.get(MerchantId(merchants[0].id))
    if known is None:
        return None
    return Demo(
        operator_key=data["operator_key"],
        base_url=ctx.public_url,
        merchants=merchants,
        wallets=[DemoWallet(**w) for w in data.get("wallets", [])],
    )
