"""Payment handlers over fakes: the whole QR payment and its refusals, without a database."""

from __future__ import annotations

import pytest

from qrpay.domain import errors
from qrpay.domain.checkouts import CheckoutStatus
from qrpay.domain.ledger import check_invariants
from qrpay.domain.merchants import Merchant, Wallet
from qrpay.domain.payments import PaymentStatus
from qrpay.domain.qr import mpm
from qrpay.domain.qr.crc import crc16_hex
from qrpay.services import checkouts, onboarding, payments
from tests.fakes.context import Harness, harness


async def _setup(h: Harness, balance: int = 10_000) -> tuple[Merchant, Wallet]:
    async with h.ctx.uow() as uow:
        merchant = await onboarding.create_merchant(
            h.ctx,
            uow,
            onboarding.CreateMerchant("Somtam Corner Co", "Bangkok", "TH", "5812", "THB"),
        )
        wallet, _, _ = await onboarding.create_wallet(
            h.ctx, uow, onboarding.CreateWallet("Ann", "THB", balance)
        )
        await uow.commit()
    return merchant, wallet


async def _checkout(h: Harness, merchant: Merchant, amount: int = 2500) -> str:
    async with h.ctx.uow() as uow:
        checkout = await checkouts.create_checkout(
            h.ctx, uow, checkouts.CreateCheckout(merchant.id, amount, "THB", "ORDER-1", 600)
        )
        await uow.commit()
    return checkout.qr_payload


async def _balances(h: Harness) -> dict[str, int]:
    async with h.ctx.uow() as uow:
        accounts = await uow.ledger.all_accounts()
        transfers = await uow.ledger.all_transfers()
    check_invariants(accounts, transfers)
    return {a.id: a.balance_minor for a in accounts}


async def _pay(h: Harness, wallet: Wallet, payload: str, amount: int | None = None) -> str:
    async with h.ctx.uow() as uow:
        payment = await payments.pay_qr(h.ctx, uow, payments.PayQr(wallet.id, payload, amount))
        await uow.commit()
    return payment.id


async def test_paying_a_checkout_moves_money_and_marks_it_paid() -> None:
    h = harness()
    merchant, wallet = await _setup(h)
    payload = await _checkout(h, merchant)

    payment_id = await _pay(h, wallet, payload)

    balances = await _balances(h)
    assert balances[wallet.account_id] == 10_000 - 2500
    assert balances[merchant.account_id] == 2500
    assert sum(balances.values()) == 0
    async with h.ctx.uow() as uow:
        payment = await payments.get_payment(uow, payment_id)
        checkout = await uow.checkouts.get(payment.checkout_id)  # type: ignore[arg-type]
    assert payment.status is PaymentStatus.SUCCEEDED
    assert checkout is not None
    assert checkout.status is CheckoutStatus.PAID


async def test_paying_a_paid_checkout_is_refused_and_changes_nothing() -> None:
    h = harness()
    merchant, wallet = await _setup(h)
    payload = await _checkout(h, merchant)
    await _pay(h, wallet, payload)
    before = await _balances(h)

    with pytest.raises(errors.CheckoutAlreadyPaid):
        await _pay(h, wallet, payload)

    assert await _balances(h) == before


async def test_expired_checkout_is_refused() -> None:
    h = harness()
    merchant, wallet = await _setup(h)
    payload = await _checkout(h, merchant)
    h.clock.advance(seconds=601)

    with pytest.raises(errors.CheckoutExpired):
        await _pay(h, wallet, payload)


async def test_amount_other_than_the_dynamic_codes_is_refused() -> None:
    h = harness()
    merchant, wallet = await _setup(h)
    payload = await _checkout(h, merchant, 2500)

    with pytest.raises(errors.AmountMismatch):
        await _pay(h, wallet, payload, 2400)


async def test_insufficient_funds_refuses_and_leaves_balances() -> None:
    h = harness()
    merchant, wallet = await _setup(h, balance=1000)
    payload = await _checkout(h, merchant, 2500)
    before = await _balances(h)

    with pytest.raises(errors.InsufficientFunds):
        await _pay(h, wallet, payload)

    assert await _balances(h) == before


async def test_static_code_needs_an_amount_and_takes_one() -> None:
    h = harness()
    merchant, wallet = await _setup(h)
    async with h.ctx.uow() as uow:
        payload = await checkouts.merchant_static_code(h.ctx, uow, merchant.id, None)

    with pytest.raises(errors.AmountRequired):
        await _pay(h, wallet, payload)
    await _pay(h, wallet, payload, 1234)

    assert (await _balances(h))[merchant.account_id] == 1234


async def test_a_forged_merchant_name_is_not_what_the_wallet_shows() -> None:
    h = harness()
    merchant, _ = await _setup(h)
    payload = await _checkout(h, merchant)
    code = mpm.decode(payload)
    objects = dict(code.objects)
    objects["59"] = "Trusted Bank"
    forged = mpm.encode(mpm.MerchantPresentedCode(objects))

    async with h.ctx.uow() as uow:
        preview = await payments.preview(h.ctx, uow, forged)

    assert preview.merchant_name == merchant.display_name


async def test_refunds_never_exceed_the_capture() -> None:
    h = harness()
    merchant, wallet = await _setup(h)
    payment_id = await _pay(h, wallet, await _checkout(h, merchant, 2500))

    for amount, status in ((1250, "partially_refunded"), (1250, "refunded")):
        async with h.ctx.uow() as uow:
            payment, _ = await payments.refund(
                h.ctx, uow, payments.RefundPayment(merchant.id, payment_id, amount)
            )
            await uow.commit()
        assert payment.status.value == status
    with pytest.raises(errors.NotRefundable):
        async with h.ctx.uow() as uow:
            await payments.refund(h.ctx, uow, payments.RefundPayment(merchant.id, payment_id, 1))

    balances = await _balances(h)
    assert balances[wallet.account_id] == 10_000
    assert balances[merchant.account_id] == 0


async def test_another_merchant_cannot_refund_or_read_the_payment() -> None:
    h = harness()
    merchant, wallet = await _setup(h)
    payment_id = await _pay(h, wallet, await _checkout(h, merchant))
    async with h.ctx.uow() as uow:
        other = await onboarding.create_merchant(
            h.ctx, uow, onboarding.CreateMerchant("Other", "Bangkok", "TH", "5812", "THB")
        )
        await uow.commit()

    async with h.ctx.uow() as uow:
        with pytest.raises(errors.NotFound):
            await payments.get_payment(uow, payment_id, merchant_id=other.id)
        with pytest.raises(errors.NotFound):
            await payments.refund(h.ctx, uow, payments.RefundPayment(other.id, payment_id, 1))


async def test_consumer_presented_code_pays_once() -> None:
    h = harness()
    merchant, wallet = await _setup(h)
    payload, _ = await payments.issue_cpm_token(h.ctx, h.tokens, wallet)
    command = payments.PayCpm(merchant.id, payload, 700, "THB")

    async with h.ctx.uow() as uow:
        await payments.pay_cpm(h.ctx, uow, h.tokens, command)
        await uow.commit()
    with pytest.raises(errors.CpmTokenUnusable):
        async with h.ctx.uow() as uow:
            await payments.pay_cpm(h.ctx, uow, h.tokens, command)

    assert (await _balances(h))[merchant.account_id] == 700


async def test_expired_consumer_presented_code_is_refused() -> None:
    h = harness()
    merchant, wallet = await _setup(h)
    payload, _ = await payments.issue_cpm_token(h.ctx, h.tokens, wallet)
    h.clock.advance(seconds=61)

    with pytest.raises(errors.CpmTokenUnusable):
        async with h.ctx.uow() as uow:
            await payments.pay_cpm(
                h.ctx, uow, h.tokens, payments.PayCpm(merchant.id, payload, 700, "THB")
            )


async def test_code_of_an_unconnected_network_has_no_route() -> None:
    h = harness()
    _, wallet = await _setup(h)
    promptpay = "00020101021129370016A000000677010111011300668012345675802TH53037646304"
    promptpay += crc16_hex(promptpay)

    with pytest.raises(errors.NoRoute):
        await _pay(h, wallet, promptpay, 100)


async def test_malformed_code_raises_the_qr_error() -> None:
    h = harness()
    _, wallet = await _setup(h)

    with pytest.raises(errors.QrError) as caught:
        await _pay(h, wallet, "000201010212630400AA", 100)

    assert caught.value.code.startswith("crc") or caught.value.code.startswith("tlv")
