"""Refunds and voids through the connector that carried the payment.

``refund_through_network`` runs in two transactions at most:

1. Reserve, ask, move. The refund is applied first with the guarded UPDATE of
   ``apply_refund`` (which also holds the payment's row until the commit, so concurrent
   refunds of one payment queue instead of both asking the network), then the network is
   asked (``Connector.refund``: an on-us ledger reversal, an ISO 8583 refund, an ISO 20022
   pacs.004 return). Approved: the money moves (on-us: merchant -> wallet; another network:
   merchant -> that network's clearing account), the timeline and ``payment.refunded``
   are written, and it all commits together.
2. Otherwise the first transaction rolls back, so the ledger and the payment are untouched,
   and a second one records the refund as ``failed`` (declined: ``refund.failed`` tells
   the merchant why, with the network's code and text) or ``pending`` (no answer: the
   money may have moved; reconciliation or a retry settles it).

Its own idempotency: the refund's id is the network request's id (an ISO 20022 return's
TxId, the attempt id of an ISO 8583 refund), so a retry of the same refund is recognised
by the network, and an API retry with the same Idempotency-Key replays the first answer.
``void_through_network`` cancels an authorized payment the same way (ISO 8583 0400).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from qrpay.connectors.base import (
    Connector,
    ConnectorResult,
    NetworkReference,
    Outcome,
    PaymentRequest,
)
from qrpay.domain.errors import Declined, RefundExceedsCaptured
from qrpay.domain.events import EventType
from qrpay.domain.ids import AccountId, AttemptId, MerchantId, PaymentId, RefundId, TransferId
from qrpay.domain.ledger import Account, AccountKind, Transfer, TransferCode, TransferStatus
from qrpay.domain.money import Money
from qrpay.domain.payments import (
    AttemptStatus,
    Payment,
    PaymentEvent,
    PaymentEventKind,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from qrpay.services import events
from qrpay.services.back_office import clearing_account_id
from qrpay.services.context import Context
from qrpay.services.onboarding import require_merchant, require_wallet
from qrpay.services.payments import get_payment
from qrpay.services.unit_of_work import UnitOfWork

REFUND_ID_PREFIX: Final = "ref"


@dataclass(frozen=True, slots=True)
class NetworkRefund:
    merchant_id: MerchantId
    payment_id: str
    amount_minor: int
    original: NetworkReference | None = None
    """The payment's reference at its network (None for on-us payments)."""


@dataclass(frozen=True, slots=True)
class RefundOutcome:
    refund: Refund
    payment: Payment
    result: ConnectorResult

    @property
    def reason(self) -> str | None:
        """Why the network did not refund, in its words; None when it did."""
        if self.refund.status is RefundStatus.SUCCEEDED:
            return None
        said = self.result
        return f"{said.outcome.value} ({said.network_code}) {said.message}".strip()


class _NotRefunded(Exception):
    def __init__(self, result: ConnectorResult) -> None:
        super().__init__(result.outcome.value)
        self.result = result


def carrier(payment: Payment) -> str:
    """The connector of the payment's approved attempt: the one that refunds it."""
    approved = [a for a in payment.attempts if a.status is AttemptStatus.APPROVED]
    assert approved, f"payment {payment.id} moved money through an approved attempt"
    return approved[-1].connector


async def refund_through_network(ctx: Context, cmd: NetworkRefund) -> RefundOutcome:
    refund_id = RefundId(ctx.ids.new(REFUND_ID_PREFIX))
    try:
        async with ctx.uow() as uow:
            outcome = await _refund(ctx, uow, cmd, refund_id)
            await uow.commit()
            return outcome
    except _NotRefunded as refused:
        return await _record_refusal(ctx, cmd, refund_id, refused.result)


async def _refund(
    ctx: Context, uow: UnitOfWork, cmd: NetworkRefund, refund_id: RefundId
) -> RefundOutcome:
    payment = await get_payment(uow, cmd.payment_id, merchant_id=cmd.merchant_id)
    amount = Money.positive(cmd.amount_minor, payment.amount.currency.code)
    payment.refund(amount)  # refundable, within the capture: typed refusals, nothing changed
    record = Refund(refund_id, payment.id, amount, RefundStatus.SUCCEEDED, ctx.now())
    if not await uow.payments.apply_refund(record, payment.status):
        raise RefundExceedsCaptured(f"refunds of payment {payment.id} would exceed its capture")
    connector = ctx.connectors[carrier(payment)]
    result = await connector.refund(_request(payment, amount, refund_id, cmd.original))
    await _timeline(ctx, uow, payment.id, connector, refund_id, result)
    if result.outcome is not Outcome.APPROVED:
        raise _NotRefunded(result)  # rolls the reservation back: the ledger is untouched
    await _move_money(ctx, uow, connector, payment, amount)
    stored = await uow.payments.get(payment.id)
    assert stored is not None
    await events.payment_refunded(ctx, uow, stored, record)
    return RefundOutcome(record, stored, result)


async def _record_refusal(
    ctx: Context, cmd: NetworkRefund, refund_id: RefundId, result: ConnectorResult
) -> RefundOutcome:
    async with ctx.uow() as uow:
        payment = await get_payment(uow, cmd.payment_id, merchant_id=cmd.merchant_id)
        amount = Money.positive(cmd.amount_minor, payment.amount.currency.code)
        unknown = result.outcome in (Outcome.UNKNOWN, Outcome.PENDING)
        status = RefundStatus.PENDING if unknown else RefundStatus.FAILED
        record = Refund(refund_id, payment.id, amount, status, ctx.now())
        await uow.back_office.add_refund(record)
        await _timeline(ctx, uow, payment.id, ctx.connectors[carrier(payment)], refund_id, result)
        outcome = RefundOutcome(record, payment, result)
        if not unknown:
            await events.emit(
                ctx,
                uow,
                EventType.REFUND_FAILED,
                payment,
                refund_id=refund_id,
                refund_amount=amount.amount_minor,
                reason=outcome.reason,
                network_code=result.network_code,
            )
        await uow.commit()
    return outcome


async def void_through_network(
    ctx: Context,
    uow: UnitOfWork,
    merchant_id: MerchantId,
    payment_id: str,
    original: NetworkReference,
) -> tuple[Payment, ConnectorResult]:
    """Cancel an authorized payment at its network; refused: ``Declined``, nothing changed."""
    payment = await get_payment(uow, payment_id, merchant_id=merchant_id)
    connector = ctx.connectors[carrier(payment)]
    void_id = AttemptId(ctx.ids.new("att"))
    result = await connector.void(_request(payment, payment.amount, void_id, original))
    if result.outcome is not Outcome.APPROVED:
        raise Declined(
            f"the network did not void it: {result.outcome.value} ({result.network_code})"
        )
    payment.move_to(PaymentStatus.CANCELED)
    await uow.payments.update_status(payment)
    data = {"operation": "void", "connector": connector.spec.name, "outcome": result.outcome.value}
    await uow.payments.add_event(
        PaymentEvent(payment.id, PaymentEventKind.ATTEMPT, data, ctx.now())
    )
    await events.emit(ctx, uow, EventType.PAYMENT_FAILED, payment, reason="voided")
    return payment, result


def _request(
    payment: Payment, amount: Money, request_id: str, original: NetworkReference | None
) -> PaymentRequest:
    return PaymentRequest(
        payment_id=payment.id,
        attempt_id=AttemptId(request_id),
        merchant_id=payment.merchant_id,
        amount=amount,
        payer_wallet_id=payment.wallet_id,
        original=original,
    )


async def _timeline(
    ctx: Context,
    uow: UnitOfWork,
    payment_id: PaymentId,
    connector: Connector,
    refund_id: RefundId,
    result: ConnectorResult,
) -> None:
    data: dict[str, object] = {
        "operation": "refund",
        "refund_id": refund_id,
        "connector": connector.spec.name,
        "outcome": result.outcome.value,
        "network_code": result.network_code,
        "message": result.message,
    }
    if result.reference is not None:
        data["reference"] = result.reference.reference
    await uow.payments.add_event(
        PaymentEvent(payment_id, PaymentEventKind.ATTEMPT, data, ctx.now())
    )


async def _move_money(
    ctx: Context, uow: UnitOfWork, connector: Connector, payment: Payment, amount: Money
) -> None:
    merchant = await require_merchant(uow, payment.merchant_id)
    code = amount.currency.code
    target: AccountId
    if connector.spec.closed_loop:
        assert payment.wallet_id is not None, "on-us payments have a payer wallet"
        target = (await require_wallet(uow, payment.wallet_id)).account_id
    else:
        target = clearing_account_id(connector.spec.name, code)
        await uow.ledger.open_accounts([Account(target, AccountKind.CLEARING, code)])
    back = Transfer(
        id=TransferId(ctx.ids.new("trf")),
        debit_account_id=merchant.account_id,
        credit_account_id=target,
        amount_minor=amount.amount_minor,
        currency=code,
        code=TransferCode.REFUND,
        status=TransferStatus.POSTED,
        created_at=ctx.now(),
        amount_posted_minor=amount.amount_minor,
        payment_id=payment.id,
    )
    await uow.ledger.create_transfers([back])
