"""Request and response bodies. Amounts are integers in minor units everywhere.

Requests forbid unknown fields, so a caller cannot slip in ``status`` or ``merchant_id``
(mass assignment) and a typo fails loudly instead of being ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from qrpay.domain.checkouts import CHECKOUT_TTL_SECONDS_DEFAULT, Checkout
from qrpay.domain.ledger import Account, Transfer
from qrpay.domain.merchants import Merchant, Terminal, Wallet
from qrpay.domain.payments import Payment, PaymentEvent, Refund
from qrpay.services.payments import QrPreview
from qrpay.services.reporting import PaymentReport
from qrpay.services.unit_of_work import HourlyVolume

TEXT_CHARS_MAX = 512


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=TEXT_CHARS_MAX)


# --- operator -------------------------------------------------------------------------


class MerchantCreate(Request):
    name: str = Field(description="Legal name.")
    display_name: str | None = Field(None, description="Shown to payers; defaults to name.")
    city: str
    country: str = Field(description="ISO 3166 alpha-2, e.g. TH.")
    mcc: str = Field(description="Merchant category code, 4 digits.")
    currency: str = Field(description="ISO 4217 alphabetic code, e.g. THB.")


class MerchantOut(BaseModel):
    id: str
    name: str
    display_name: str
    city: str
    country: str
    mcc: str
    currency: str
    status: str
    created_at: datetime

    @classmethod
    def of(cls, m: Merchant) -> MerchantOut:
        return cls(
            id=m.id,
            name=m.legal_name,
            display_name=m.display_name,
            city=m.city,
            country=m.country,
            mcc=m.mcc,
            currency=m.currency.code,
            status=m.status.value,
            created_at=m.created_at,
        )


class MerchantSelf(MerchantOut):
    balance: int = Field(description="Posted balance of the merchant account, minor units.")
    available: int


class MerchantList(BaseModel):
    data: list[MerchantOut]
    has_more: bool


class ApiKeyOut(BaseModel):
    id: str
    merchant_id: str
    key: str = Field(description="Shown once; only a keyed hash is stored.")
    created_at: datetime


class TerminalCreate(Request):
    store_name: str
    label: str = Field(description="Terminal label for 62.07 of the terminal's codes.")


class TerminalOut(BaseModel):
    id: str
    store_id: str
    merchant_id: str
    label: str

    @classmethod
    def of(cls, t: Terminal) -> TerminalOut:
        return cls(id=t.id, store_id=t.store_id, merchant_id=t.merchant_id, label=t.label)


class WalletCreate(Request):
    name: str
    currency: str
    balance: StrictInt = Field(0, ge=0, description="Opening balance in minor units.")


class WalletOut(BaseModel):
    id: str
    name: str
    currency: str
    balance: int
    available: int
    token: str | None = Field(None, description="Shown once, when the wallet is created.")

    @classmethod
    def of(cls, w: Wallet, account: Account, token: str | None = None) -> WalletOut:
        return cls(
            id=w.id,
            name=w.name,
            currency=w.currency.code,
            balance=account.balance_minor,
            available=account.available_minor,
            token=token,
        )


class TopUpCreate(Request):
    amount: StrictInt


# --- merchant -------------------------------------------------------------------------


class CheckoutCreate(Request):
    amount: StrictInt
    currency: str
    reference: str
    expires_in: StrictInt = Field(CHECKOUT_TTL_SECONDS_DEFAULT, description="Seconds.")
    terminal_id: str | None = None


class CheckoutOut(BaseModel):
    id: str
    status: str
    amount: int
    currency: str
    reference: str
    qr_payload: str
    expires_at: datetime
    hosted_url: str
    created_at: datetime
    payment_id: str | None

    @classmethod
    def of(cls, c: Checkout, now: datetime, public_url: str) -> CheckoutOut:
        return cls(
            id=c.id,
            status=c.status_at(now).value,
            amount=c.amount.amount_minor,
            currency=c.amount.currency.code,
            reference=c.reference,
            qr_payload=c.qr_payload,
            expires_at=c.expires_at,
            hosted_url=f"{public_url.rstrip('/')}/pay/{c.id}",
            created_at=c.created_at,
            payment_id=c.payment_id,
        )


class PaymentOut(BaseModel):
    id: str
    status: str
    amount: int
    currency: str
    amount_refunded: int
    merchant_id: str
    checkout_id: str | None
    wallet_id: str | None
    source: str
    route: dict[str, Any] | None
    created_at: datetime

    @classmethod
    def of(cls, p: Payment) -> PaymentOut:
        return cls(
            id=p.id,
            status=p.status.value,
            amount=p.amount.amount_minor,
            currency=p.amount.currency.code,
            amount_refunded=p.amount_refunded_minor,
            merchant_id=p.merchant_id,
            checkout_id=p.checkout_id,
            wallet_id=p.wallet_id,
            source=p.source.value,
            route=p.route,
            created_at=p.created_at,
        )


class TimelineEntry(BaseModel):
    kind: str
    data: dict[str, Any]
    created_at: datetime

    @classmethod
    def of(cls, e: PaymentEvent) -> TimelineEntry:
        return cls(kind=e.kind.value, data=e.data, created_at=e.created_at)


class RefundOut(BaseModel):
    id: str
    payment_id: str
    amount: int
    currency: str
    status: str
    created_at: datetime

    @classmethod
    def of(cls, r: Refund) -> RefundOut:
        return cls(
            id=r.id,
            payment_id=r.payment_id,
            amount=r.amount.amount_minor,
            currency=r.amount.currency.code,
            status=r.status.value,
            created_at=r.created_at,
        )


class PaymentDetail(PaymentOut):
    attempts: list[dict[str, Any]]
    timeline: list[TimelineEntry]
    refunds: list[RefundOut]

    @classmethod
    def build(
        cls, payment: Payment, events: list[PaymentEvent], refunds: list[Refund]
    ) -> PaymentDetail:
        return cls(
            **PaymentOut.of(payment).model_dump(),
            attempts=[
                {
                    "id": a.id,
                    "connector": a.connector,
                    "status": a.status.value,
                    "network_code": a.network_code,
                    "created_at": a.created_at,
                }
                for a in payment.attempts
            ],
            timeline=[TimelineEntry.of(e) for e in events],
            refunds=[RefundOut.of(r) for r in refunds],
        )


class PaymentList(BaseModel):
    data: list[PaymentOut]
    has_more: bool


class RefundCreate(Request):
    amount: StrictInt


class RefundResult(RefundOut):
    payment: PaymentOut


# --- wallet ---------------------------------------------------------------------------


class QrDecodeRequest(Request):
    payload: str


class QrPreviewOut(BaseModel):
    scheme: str
    merchant_id: str | None
    merchant_name: str | None
    merchant_city: str | None
    amount: int | None = Field(description="Fixed by the code, or null: the payer enters it.")
    currency: str | None
    networks: list[str]
    checkout_id: str | None
    payable: bool
    reason: str | None

    @classmethod
    def of(cls, p: QrPreview) -> QrPreviewOut:
        return cls(
            scheme=p.scheme,
            merchant_id=p.merchant_id,
            merchant_name=p.merchant_name,
            merchant_city=p.merchant_city,
            amount=p.amount.amount_minor if p.amount is not None else None,
            currency=p.currency,
            networks=p.networks,
            checkout_id=p.checkout_id,
            payable=p.payable,
            reason=p.reason,
        )


class PayQrCreate(Request):
    qr_payload: str
    amount: StrictInt | None = Field(None, description="Only for static codes.")


class WalletTransaction(BaseModel):
    id: str
    amount: int = Field(description="Signed: negative when money left the wallet.")
    currency: str
    code: str
    status: str
    payment_id: str | None
    created_at: datetime

    @classmethod
    def of(cls, t: Transfer, account_id: str) -> WalletTransaction:
        amount = t.amount_posted_minor or t.amount_minor
        return cls(
            id=t.id,
            amount=-amount if t.debit_account_id == account_id else amount,
            currency=t.currency,
            code=t.code.value,
            status=t.status.value,
            payment_id=t.payment_id,
            created_at=t.created_at,
        )


class WalletTransactionList(BaseModel):
    data: list[WalletTransaction]
    has_more: bool


class CpmTokenOut(BaseModel):
    payload: str
    expires_at: datetime


# --- point of sale --------------------------------------------------------------------


class PayCpmCreate(Request):
    cpm_payload: str
    amount: StrictInt
    currency: str


# --- hosted checkout page (public) ----------------------------------------------------


class PublicCheckoutOut(BaseModel):
    """What a payer may see of a checkout: what its QR code says, plus status and expiry."""

    id: str
    merchant_name: str
    merchant_city: str
    amount: int
    currency: str
    currency_exponent: int = Field(description="Minor-unit digits of the currency (ISO 4217).")
    status: str
    expires_at: datetime
    qr_payload: str

    @classmethod
    def of(cls, c: Checkout, merchant: Merchant, now: datetime) -> PublicCheckoutOut:
        return cls(
            id=c.id,
            merchant_name=merchant.display_name,
            merchant_city=merchant.city,
            amount=c.amount.amount_minor,
            currency=c.amount.currency.code,
            currency_exponent=c.amount.currency.exponent,
            status=c.status_at(now).value,
            expires_at=c.expires_at,
            qr_payload=c.qr_payload,
        )


# --- operator reports -----------------------------------------------------------------


class HourlyVolumeOut(BaseModel):
    hour: datetime
    network: str
    currency: str
    created: int
    succeeded: int
    amount_succeeded: int

    @classmethod
    def of(cls, v: HourlyVolume) -> HourlyVolumeOut:
        return cls(
            hour=v.hour,
            network=v.network,
            currency=v.currency,
            created=v.created,
            succeeded=v.succeeded,
            amount_succeeded=v.amount_succeeded_minor,
        )


class HourlyLatencyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    hour: datetime
    network: str
    samples: int
    latency_ms_p50: float
    latency_ms_p95: float
    latency_ms_p99: float


class PaymentStatsOut(BaseModel):
    created_gte: datetime
    created_lt: datetime
    volume: list[HourlyVolumeOut] = Field(description="From the payments table.")
    latency: list[HourlyLatencyOut] = Field(
        description="Network round trips recorded on each attempt's timeline event."
    )

    @classmethod
    def of(cls, r: PaymentReport) -> PaymentStatsOut:
        return cls(
            created_gte=r.created_gte,
            created_lt=r.created_lt,
            volume=[HourlyVolumeOut.of(v) for v in r.volume],
            latency=[HourlyLatencyOut.model_validate(h) for h in r.latency],
        )
