"""Helpers for notification tests: a shop (merchant and funded wallet), paid checkouts,
webhook settings on a key store in memory."""

from __future__ import annotations

from dataclasses import dataclass

from qrpay.adapters.keystore.software import SoftwareKeyStore
from qrpay.domain.merchants import Merchant, Wallet
from qrpay.domain.payments import Payment
from qrpay.domain.webhook_urls import UrlPolicy
from qrpay.services import checkouts, onboarding, payments
from qrpay.services.context import Context
from qrpay.services.webhook_secrets import WebhookSecrets
from qrpay.services.webhooks import WebhookSettings

MASTER_KEY = bytes(range(32))
LOOPBACK = UrlPolicy(require_https=False, allow_private_networks=True)


def webhook_settings(keys: SoftwareKeyStore | None = None) -> WebhookSettings:
    return WebhookSettings(WebhookSecrets(keys or SoftwareKeyStore(MASTER_KEY, None)), LOOPBACK)


@dataclass
class Shop:
    merchant: Merchant
    wallet: Wallet


async def open_shop(ctx: Context, balance_minor: int = 1_000_000) -> Shop:
    async with ctx.uow() as uow:
        cmd = onboarding.CreateMerchant("Somtam Corner", "Bangkok", "TH", "5812", "THB")
        merchant = await onboarding.create_merchant(ctx, uow, cmd)
        wallet, _, _ = await onboarding.create_wallet(
            ctx, uow, onboarding.CreateWallet("Ann", "THB", balance_minor)
        )
        await uow.commit()
    return Shop(merchant, wallet)


async def pay_checkout(ctx: Context, shop: Shop, amount_minor: int = 12_050) -> Payment:
    async with ctx.uow() as uow:
        created = await checkouts.create_checkout(
            ctx, uow, checkouts.CreateCheckout(shop.merchant.id, amount_minor, "THB", "ORDER-1")
        )
        payment = await payments.pay_qr(
            ctx, uow, payments.PayQr(shop.wallet.id, created.qr_payload)
        )
        await uow.commit()
    return payment
