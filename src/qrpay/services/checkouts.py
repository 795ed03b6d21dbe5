"""Merchant commands on checkouts and on the merchant's static code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from qrpay.domain.checkouts import (
    CHECKOUT_TTL_SECONDS_DEFAULT,
    CHECKOUT_TTL_SECONDS_MAX,
    CHECKOUT_TTL_SECONDS_MIN,
    REFERENCE_CHARS_MAX,
    Checkout,
    CheckoutStatus,
    dynamic_code,
    static_code,
)
from qrpay.domain.errors import CurrencyMismatch, NotFound, RequestInvalid
from qrpay.domain.ids import CheckoutId, MerchantId, TerminalId
from qrpay.domain.merchants import Merchant
from qrpay.domain.money import Money
from qrpay.services.context import Context
from qrpay.services.onboarding import require_merchant
from qrpay.services.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class CreateCheckout:
    merchant_id: MerchantId
    amount_minor: int
    currency: str
    reference: str
    expires_in_s: int = CHECKOUT_TTL_SECONDS_DEFAULT
    terminal_id: TerminalId | None = None


def _check(cmd: CreateCheckout) -> None:
    errors = []
    if not cmd.reference or len(cmd.reference) > REFERENCE_CHARS_MAX:
        errors.append({"field": "reference", "message": f"1 to {REFERENCE_CHARS_MAX} characters"})
    if not CHECKOUT_TTL_SECONDS_MIN <= cmd.expires_in_s <= CHECKOUT_TTL_SECONDS_MAX:
        errors.append(
            {
                "field": "expires_in",
                "message": f"{CHECKOUT_TTL_SECONDS_MIN} to {CHECKOUT_TTL_SECONDS_MAX} seconds",
            }
        )
    if errors:
        raise RequestInvalid("the checkout is not valid", errors)


async def create_checkout(ctx: Context, uow: UnitOfWork, cmd: CreateCheckout) -> Checkout:
    _check(cmd)
    merchant = await require_merchant(uow, cmd.merchant_id)
    amount = Money.positive(cmd.amount_minor, cmd.currency)
    if amount.currency != merchant.currency:
        raise CurrencyMismatch(
            f"merchant {merchant.id} takes {merchant.currency.code}, not {amount.currency.code}"
        )
    label = await _terminal_label(uow, merchant, cmd.terminal_id)
    now = ctx.now()
    checkout = Checkout(
        id=CheckoutId(ctx.ids.new("chk")),
        merchant_id=merchant.id,
        amount=amount,
        reference=cmd.reference,
        status=CheckoutStatus.OPEN,
        qr_payload="",
        created_at=now,
        expires_at=now + timedelta(seconds=cmd.expires_in_s),
        terminal_id=cmd.terminal_id,
    )
    checkout.qr_payload = dynamic_code(merchant, checkout, ctx.gateway, label)
    await uow.checkouts.add(checkout)
    return checkout


async def get_checkout(
    uow: UnitOfWork, merchant_id: MerchantId | None, checkout_id: str
) -> Checkout:
    """A checkout, seen by its merchant (or by anyone when ``merchant_id`` is None)."""
    checkout = await uow.checkouts.get(CheckoutId(checkout_id))
    if checkout is None or (merchant_id is not None and checkout.merchant_id != merchant_id):
        raise NotFound("checkout", checkout_id)
    return checkout


async def merchant_static_code(
    ctx: Context, uow: UnitOfWork, merchant_id: MerchantId, terminal_id: TerminalId | None
) -> str:
    merchant = await require_merchant(uow, merchant_id)
    label = await _terminal_label(uow, merchant, terminal_id)
    return static_code(merchant, ctx.gateway, label)


async def _terminal_label(
    uow: UnitOfWork, merchant: Merchant, terminal_id: TerminalId | None
) -> str | None:
    if terminal_id is None:
        return None
    terminal = await uow.merchants.get_terminal(terminal_id)
    if terminal is None or terminal.merchant_id != merchant.id:
        raise NotFound("terminal", terminal_id)
    return terminal.label
