"""Checkouts and the gateway's own QR codes for them.

A checkout is one payment waiting to happen: an amount, a merchant reference, an expiry.
Its dynamic code (point of initiation 12) carries the amount in 54 and the checkout id in
62.05 inside the gateway's merchant account template; a merchant's static code (11) has no
amount and no checkout. Expiry is a fact of time, so ``status_at(now)`` derives it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

from qrpay.domain.errors import (
    AmountMismatch,
    CheckoutAlreadyPaid,
    CheckoutExpired,
    CheckoutNotOpen,
)
from qrpay.domain.ids import CheckoutId, MerchantId, PaymentId, TerminalId
from qrpay.domain.merchants import Merchant
from qrpay.domain.money import Money
from qrpay.domain.qr import mpm
from qrpay.domain.qr.mpm import MerchantPresentedCode, Template

CHECKOUT_TTL_SECONDS_MIN: Final = 30
CHECKOUT_TTL_SECONDS_MAX: Final = 86_400
CHECKOUT_TTL_SECONDS_DEFAULT: Final = 900
REFERENCE_CHARS_MAX: Final = 64


class CheckoutStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    EXPIRED = "expired"
    CANCELED = "canceled"


@dataclass(slots=True)
class Checkout:
    id: CheckoutId
    merchant_id: MerchantId
    amount: Money
    reference: str
    status: CheckoutStatus
    qr_payload: str
    created_at: datetime
    expires_at: datetime
    terminal_id: TerminalId | None = None
    payment_id: PaymentId | None = None

    def status_at(self, now: datetime) -> CheckoutStatus:
        if self.status is CheckoutStatus.OPEN and now >= self.expires_at:
            return CheckoutStatus.EXPIRED
        return self.status

    def check_payable(self, amount: Money, now: datetime) -> None:
        """Refuse a payment this checkout cannot take; change nothing."""
        status = self.status_at(now)
        if status is CheckoutStatus.EXPIRED:
            raise CheckoutExpired(f"checkout {self.id} expired at {self.expires_at.isoformat()}")
        if status is CheckoutStatus.PAID:
            raise CheckoutAlreadyPaid(f"checkout {self.id} is already paid")
        if status is not CheckoutStatus.OPEN:
            raise CheckoutNotOpen(f"checkout {self.id} is {status}")
        if amount != self.amount:
            raise AmountMismatch(f"checkout {self.id} is for {self.amount}, not {amount}")

    def mark_paid(self, payment_id: PaymentId, now: datetime) -> None:
        assert self.status_at(now) is CheckoutStatus.OPEN
        self.status = CheckoutStatus.PAID
        self.payment_id = payment_id


@dataclass(frozen=True, slots=True)
class GatewayTemplate:
    """Where the gateway puts its own merchant account template in the codes it issues."""

    gui: str
    template_id: str = "26"

    def __post_init__(self) -> None:
        assert "26" <= self.template_id <= "51", "merchant account templates are 26-51"


def dynamic_code(
    merchant: Merchant,
    checkout: Checkout,
    gateway: GatewayTemplate,
    terminal_label: str | None = None,
) -> str:
    additional: dict[str, str | Template] = {"05": checkout.id}
    if terminal_label:
        additional["07"] = terminal_label
    objects = _merchant_objects(merchant, gateway, "12")
    objects["54"] = checkout.amount.format()
    objects["53"] = checkout.amount.currency.number
    objects["62"] = Template(additional)
    return mpm.encode(MerchantPresentedCode(objects))


def static_code(merchant: Merchant, gateway: GatewayTemplate, terminal_label: str | None) -> str:
    objects = _merchant_objects(merchant, gateway, "11")
    if terminal_label:
        objects["62"] = Template({"07": terminal_label})
    return mpm.encode(MerchantPresentedCode(objects))


def _merchant_objects(
    merchant: Merchant, gateway: GatewayTemplate, point_of_initiation: str
) -> dict[str, str | Template]:
    return {
        "00": "01",
        "01": point_of_initiation,
        gateway.template_id: Template({"00": gateway.gui, "01": merchant.id}),
        "52": merchant.mcc,
        "53": merchant.currency.number,
        "58": merchant.country,
        "59": merchant.qr_name,
        "60": merchant.qr_city,
    }
