"""Payment commands: preview a scanned code, pay it, pay a consumer-presented code, refund.

Every handler runs inside the caller's unit of work and does not commit: the caller commits
the payment, its ledger transfers, the checkout and the idempotency record together, so a
refused request changes nothing and a crash leaves either all of it or none.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Protocol

from qrpay.connectors.base import Outcome, PaymentRequest
from qrpay.domain.checkouts import Checkout
from qrpay.domain.errors import (
    AmountMismatch,
    AmountRequired,
    CheckoutAlreadyPaid,
    CpmTokenUnusable,
    CurrencyMismatch,
    Declined,
    NoRoute,
    NotFound,
    QrpayError,
    RefundExceedsCaptured,
)
from qrpay.domain.events import EventType
from qrpay.domain.ids import (
    AccountId,
    AttemptId,
    MerchantId,
    PaymentId,
    RefundId,
    TransferId,
    WalletId,
)
from qrpay.domain.ledger import Transfer, TransferCode, TransferStatus
from qrpay.domain.merchants import Merchant, Wallet
from qrpay.domain.money import Money
from qrpay.domain.payments import (
    Attempt,
    AttemptStatus,
    Payment,
    PaymentEvent,
    PaymentEventKind,
    PaymentSource,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from qrpay.domain.qr import cpm, reader
from qrpay.domain.qr.profiles import Network, PaymentView, Scheme
from qrpay.domain.routing import RouteDecision, candidates_for, choose_route
from qrpay.observability.logs import bind, log
from qrpay.services import events
from qrpay.services.checkouts import get_checkout
from qrpay.services.context import Context
from qrpay.services.onboarding import require_merchant, require_wallet
from qrpay.services.unit_of_work import PaymentFilter, UnitOfWork

CPM_AID: Final = "F0515250415901"
"""The wallet application id in consumer-presented codes ('F0': a proprietary AID)."""
CPM_LABEL: Final = b"QRPAY WALLET"
CPM_TOKEN_TAG: Final = "9F74"
CPM_TOKEN_BYTES: Final = 16


class OneTimeTokens(Protocol):
    """The part of the session store that consumer-presented tokens need."""

    async def put(self, key: str, value: bytes, ttl_ms: int) -> None: ...
    async def take(self, key: str) -> bytes | None: ...


@dataclass(frozen=True, slots=True)
class QrPreview:
    """What the wallet shows before the payer confirms."""

    scheme: str
    merchant_id: str | None
    merchant_name: str | None
    merchant_city: str | None
    amount: Money | None
    currency: str | None
    networks: list[str]
    checkout_id: str | None
    payable: bool
    reason: str | None


@dataclass(frozen=True, slots=True)
class PayQr:
    wallet_id: WalletId
    qr_payload: str
    amount_minor: int | None = None


@dataclass(frozen=True, slots=True)
class PayCpm:
    merchant_id: MerchantId
    cpm_payload: str
    amount_minor: int
    currency: str


@dataclass(frozen=True, slots=True)
class RefundPayment:
    merchant_id: MerchantId
    payment_id: str
    amount_minor: int


@dataclass(frozen=True, slots=True)
class _Target:
    """Who a scanned code pays and how much, once the gateway has resolved it."""

    view: PaymentView
    route: RouteDecision
    merchant: Merchant
    amount: Money | None
    checkout: Checkout | None


async def preview(ctx: Context, uow: UnitOfWork, payload: str) -> QrPreview:
    """Decode a code as the wallet would, with names from the gateway's records."""
    target = await _resolve(ctx, uow, payload)
    payable, reason = True, None
    if target.checkout is not None and target.amount is not None:
        try:
            target.checkout.check_payable(target.amount, ctx.now())
        except QrpayError as exc:
            payable, reason = False, exc.code
    return QrPreview(
        scheme=target.view.scheme.value,
        merchant_id=target.merchant.id,
        merchant_name=target.merchant.display_name,
        merchant_city=target.merchant.city,
        amount=target.amount,
        currency=target.merchant.currency.code,
        networks=[n.name for n in target.view.networks],
        checkout_id=target.checkout.id if target.checkout else None,
        payable=payable,
        reason=reason,
    )


async def pay_qr(ctx: Context, uow: UnitOfWork, cmd: PayQr) -> Payment:
    wallet = await require_wallet(uow, cmd.wallet_id)
    target = await _resolve(ctx, uow, cmd.qr_payload)
    amount = _amount(target, cmd.amount_minor)
    _same_currency(amount, wallet, target.merchant)
    if target.checkout is not None:
        target.checkout.check_payable(amount, ctx.now())
    payment = _new_payment(ctx, target.merchant, amount, PaymentSource.QR, wallet, target.route)
    if target.checkout is not None:
        payment.checkout_id = target.checkout.id
    await _execute(ctx, uow, payment, wallet, target.merchant)
    if target.checkout is not None and not await uow.checkouts.mark_paid(
        target.checkout.id, payment.id, ctx.now()
    ):
        # Another payment took the checkout after we read it: the unit of work rolls back.
        raise CheckoutAlreadyPaid(f"checkout {target.checkout.id} is already paid")
    await events.checkout_completed(ctx, uow, target.checkout, payment.id)
    return payment


async def issue_cpm_token(
    ctx: Context, tokens: OneTimeTokens, wallet: Wallet
) -> tuple[str, datetime]:
    """A one-time consumer-presented code bound to the wallet, valid ``cpm_token_ttl_s``."""
    token = secrets.token_bytes(CPM_TOKEN_BYTES)
    await tokens.put(_cpm_key(token), wallet.id.encode(), ctx.cpm_token_ttl_s * 1000)
    app = cpm.BerObject.template(
        "61",
        (
            cpm.BerObject("4F", bytes.fromhex(CPM_AID)),
            cpm.BerObject("50", CPM_LABEL),
            cpm.BerObject.template("63", (cpm.BerObject(CPM_TOKEN_TAG, token),)),
        ),
    )
    code = cpm.ConsumerPresentedCode((cpm.BerObject("85", cpm.CPM_PFI), app))
    return cpm.encode(code), ctx.now() + timedelta(seconds=ctx.cpm_token_ttl_s)


async def pay_cpm(ctx: Context, uow: UnitOfWork, tokens: OneTimeTokens, cmd: PayCpm) -> Payment:
    """Charge the wallet behind a consumer-presented code; each code pays once."""
    merchant = await require_merchant(uow, cmd.merchant_id)
    amount = Money.positive(cmd.amount_minor, cmd.currency)
    token = _cpm_token(cmd.cpm_payload)
    # Check what can be checked before the token is spent.
    if amount.currency != merchant.currency:
        raise CurrencyMismatch(f"merchant takes {merchant.currency.code}")
    wallet_id = await tokens.take(_cpm_key(token))
    if wallet_id is None:
        raise CpmTokenUnusable("this consumer-presented code was used already or has expired")
    wallet = await require_wallet(uow, WalletId(wallet_id.decode()))
    _same_currency(amount, wallet, merchant)
    route = choose_route(candidates_for(_onus_view(merchant), ctx.connector_by_network))
    payment = _new_payment(ctx, merchant, amount, PaymentSource.CPM, wallet, route)
    if not await uow.payments.claim_cpm_token(token.hex(), payment.id):
        raise CpmTokenUnusable("this consumer-presented code was used already")
    await _execute(ctx, uow, payment, wallet, merchant)
    return payment


async def refund(ctx: Context, uow: UnitOfWork, cmd: RefundPayment) -> tuple[Payment, Refund]:
    payment = await get_payment(uow, cmd.payment_id, merchant_id=cmd.merchant_id)
    merchant = await require_merchant(uow, payment.merchant_id)
    amount = Money.positive(cmd.amount_minor, payment.amount.currency.code)
    payment.refund(amount)
    assert payment.wallet_id is not None, "on-us payments have a payer wallet"
    wallet = await require_wallet(uow, payment.wallet_id)
    now = ctx.now()
    record = Refund(RefundId(ctx.ids.new("ref")), payment.id, amount, RefundStatus.SUCCEEDED, now)
    connector = ctx.connectors[(payment.route or {}).get("chosen", "onus")]
    result = await connector.refund(_request(ctx, payment, amount))
    if result.outcome is not Outcome.APPROVED:
        raise Declined(f"the network refused the refund ({result.network_code})")
    # The guarded statement, not the check above, decides under concurrent refunds.
    if not await uow.payments.apply_refund(record, payment.status):
        raise RefundExceedsCaptured(f"refunds of payment {payment.id} would exceed its capture")
    bind(payment_id=payment.id)
    log.info("payment.refunded", refund_id=record.id, amount_minor=amount.amount_minor)
    back = _transfer(
        ctx, merchant.account_id, wallet.account_id, amount, TransferCode.REFUND, payment.id
    )
    await uow.ledger.create_transfers([back])
    data = {"refund_id": record.id, "amount": amount.amount_minor}
    await uow.payments.add_event(PaymentEvent(payment.id, PaymentEventKind.REFUNDED, data, now))
    # What the store holds, not what this request read: a racing refund may have moved it.
    stored = await uow.payments.get(payment.id)
    assert stored is not None
    await events.payment_refunded(ctx, uow, stored, record)
    return stored, record


async def get_payment(
    uow: UnitOfWork,
    payment_id: str,
    *,
    merchant_id: MerchantId | None = None,
    wallet_id: WalletId | None = None,
) -> Payment:
    """A payment, seen by its merchant or its payer; anyone else gets "not found"."""
    payment = await uow.payments.get(PaymentId(payment_id))
    if (
        payment is None
        or (merchant_id is not None and payment.merchant_id != merchant_id)
        or (wallet_id is not None and payment.wallet_id != wallet_id)
    ):
        raise NotFound("payment", payment_id)
    return payment


async def list_payments(
    uow: UnitOfWork, where: PaymentFilter, limit: int, starting_after: str | None
) -> list[Payment]:
    after = PaymentId(starting_after) if starting_after else None
    return await uow.payments.page(where, limit=limit, starting_after=after)


async def _resolve(ctx: Context, uow: UnitOfWork, payload: str) -> _Target:
    reading = reader.require_valid(reader.read(payload, registry=ctx.registry))
    view = reading.view
    if view is None:
        raise NoRoute("consumer-presented codes are presented to merchants, not paid by scanning")
    route = choose_route(candidates_for(view, ctx.connector_by_network))
    if route.chosen.network != Scheme.QRPAY.value or route.chosen.account is None:
        raise NoRoute(f"network {route.chosen.network} is not connected to this gateway yet")
    merchant = await uow.merchants.get(MerchantId(route.chosen.account))
    if merchant is None:
        raise NoRoute(f"the code names merchant {route.chosen.account!r}, unknown here")
    checkout = None
    if view.dynamic and view.reference:
        checkout = await get_checkout(uow, merchant.id, view.reference)
    amount = Money.parse(view.amount, merchant.currency.code) if view.amount else None
    if view.currency is not None and view.currency != merchant.currency.code:
        raise CurrencyMismatch(
            f"the code is in {view.currency}, the merchant in {merchant.currency.code}"
        )
    return _Target(view, route, merchant, amount, checkout)


def _amount(target: _Target, requested_minor: int | None) -> Money:
    currency_code = target.merchant.currency.code
    if target.amount is None:
        if requested_minor is None:
            raise AmountRequired("this code has no amount: give one")
        return Money.positive(requested_minor, currency_code)
    if requested_minor is not None and requested_minor != target.amount.amount_minor:
        raise AmountMismatch(
            f"the code is for {target.amount.amount_minor}, not {requested_minor} minor units"
        )
    return target.amount


def _same_currency(amount: Money, wallet: Wallet, merchant: Merchant) -> None:
    if amount.currency != wallet.currency or amount.currency != merchant.currency:
        raise CurrencyMismatch(
            f"wallet in {wallet.currency.code}, merchant in {merchant.currency.code}, "
            f"payment in {amount.currency.code}: cross-currency payments need an FX route"
        )


def _onus_view(merchant: Merchant) -> PaymentView:
    return PaymentView(
        scheme=Scheme.QRPAY,
        network="qrpay",
        account=merchant.id,
        account_type="merchant_id",
        amount=None,
        currency=merchant.currency.code,
        reference=None,
        merchant_name=merchant.display_name,
        merchant_city=merchant.city,
        dynamic=False,
        networks=(Network(Scheme.QRPAY.value, "", None, merchant.id),),
        nested={},
    )


def _new_payment(
    ctx: Context,
    merchant: Merchant,
    amount: Money,
    source: PaymentSource,
    wallet: Wallet,
    route: RouteDecision,
) -> Payment:
    return Payment(
        id=PaymentId(ctx.ids.new("pay")),
        merchant_id=merchant.id,
        amount=amount,
        source=source,
        status=PaymentStatus.PROCESSING,
        created_at=ctx.now(),
        wallet_id=wallet.id,
        route=route.to_dict(),
    )


async def _execute(
    ctx: Context, uow: UnitOfWork, payment: Payment, wallet: Wallet, merchant: Merchant
) -> None:
    """Send the payment over its route and move the money when the network approves."""
    assert payment.route is not None
    connector = ctx.connectors[payment.route["chosen"]]
    assert connector.spec.closed_loop, "only the on-us network is connected in this version"
    now = ctx.now()
    attempt_id = AttemptId(ctx.ids.new("att"))
    started = time.perf_counter()
    result = await connector.sale(_request(ctx, payment, payment.amount, attempt_id))
    # Wall time of the network round trip, for the operator's latency percentiles.
    latency_ms = round((time.perf_counter() - started) * 1000, 3)
    approved = result.outcome is Outcome.APPROVED
    payment.attempts.append(
        Attempt(
            attempt_id,
            connector.spec.name,
            AttemptStatus.APPROVED if approved else AttemptStatus.DECLINED,
            now,
            result.network_code,
        )
    )
    if not approved:
        raise Declined(f"declined by {connector.spec.name} ({result.network_code})")
    payment.succeed()
    bind(payment_id=payment.id)
    log.info(
        "payment.succeeded",
        merchant_id=payment.merchant_id,
        amount_minor=payment.amount.amount_minor,
        currency=payment.amount.currency.code,
        connector=connector.spec.name,
    )
    await uow.payments.add(payment)
    money = _transfer(
        ctx,
        wallet.account_id,
        merchant.account_id,
        payment.amount,
        TransferCode.PAYMENT,
        payment.id,
    )
    await uow.ledger.create_transfers([money])
    timeline: list[tuple[PaymentEventKind, dict[str, object]]] = [
        (
            PaymentEventKind.CREATED,
            {"amount": payment.amount.amount_minor, "source": payment.source},
        ),
        (PaymentEventKind.ROUTE_DECIDED, dict(payment.route)),
        (
            PaymentEventKind.ATTEMPT,
            {
                "connector": connector.spec.name,
                "outcome": result.outcome.value,
                "network_code": result.network_code,
                "latency_ms": latency_ms,
            },
        ),
        (PaymentEventKind.SUCCEEDED, {}),
    ]
    for kind, data in timeline:
        await uow.payments.add_event(PaymentEvent(payment.id, kind, data, now))
    await events.emit(ctx, uow, EventType.PAYMENT_SUCCEEDED, payment)


def _request(
    ctx: Context, payment: Payment, amount: Money, attempt_id: AttemptId | None = None
) -> PaymentRequest:
    return PaymentRequest(
        payment_id=payment.id,
        attempt_id=attempt_id or AttemptId(ctx.ids.new("att")),
        merchant_id=payment.merchant_id,
        amount=amount,
        payer_wallet_id=payment.wallet_id,
    )


def _transfer(
    ctx: Context,
    debit: AccountId,
    credit: AccountId,
    amount: Money,
    code: TransferCode,
    payment_id: str,
) -> Transfer:
    return Transfer(
        id=TransferId(ctx.ids.new("trf")),
        debit_account_id=debit,
        credit_account_id=credit,
        amount_minor=amount.amount_minor,
        currency=amount.currency.code,
        code=code,
        status=TransferStatus.POSTED,
        created_at=ctx.now(),
        amount_posted_minor=amount.amount_minor,
        payment_id=payment_id,
    )


def _cpm_key(token: bytes) -> str:
    return f"cpm:{token.hex()}"


def _cpm_token(payload: str) -> bytes:
    code = cpm.decode(payload)
    for app in code.applications:
        aid = app.child("4F")
        holder = app.child("63")
        if aid is not None and aid.hex() == CPM_AID and holder is not None:
            token = holder.child(CPM_TOKEN_TAG)
            if token is not None and len(token.value) == CPM_TOKEN_BYTES:
                return token.value
    raise CpmTokenUnusable("this consumer-presented code was not issued by this gateway")
