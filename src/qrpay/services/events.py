"""Emit merchant events into the outbox, inside the caller's unit of work.

The handlers that change a payment or a checkout call ``emit`` next to their own writes, so
the event commits with the change or not at all (a refused request leaves no event). The
relay (``services/relay.py``) publishes it after the commit; nothing here does I/O beyond
the one INSERT.

    await events.emit(ctx, uow, EventType.PAYMENT_SUCCEEDED, payment)
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from qrpay.domain.checkouts import Checkout, CheckoutStatus
from qrpay.domain.events import EVENT_ID_PREFIX, Event, EventId, EventType
from qrpay.domain.ids import PaymentId
from qrpay.domain.payments import Payment, Refund
from qrpay.domain.webhooks import WebhookEndpoint
from qrpay.services.context import Context
from qrpay.services.unit_of_work import UnitOfWork

Subject = Payment | Checkout | WebhookEndpoint


async def emit(
    ctx: Context, uow: UnitOfWork, event_type: EventType, subject: Subject, **extra: Any
) -> Event:
    """Add the event to the outbox; ``extra`` joins the subject's own fields in ``data``."""
    data = {**describe(subject), **extra}
    event = Event(
        id=EventId(ctx.ids.new(EVENT_ID_PREFIX)),
        type=event_type,
        merchant_id=subject.merchant_id,
        object_id=subject.id,
        data=data,
        created_at=ctx.now(),
    )
    await uow.events.add(event)
    return event


async def checkout_completed(
    ctx: Context, uow: UnitOfWork, checkout: Checkout | None, payment_id: PaymentId
) -> None:
    """``checkout.completed`` for the checkout a payment just paid (none: nothing to say)."""
    if checkout is None:
        return
    paid = replace(checkout, status=CheckoutStatus.PAID, payment_id=payment_id)
    await emit(ctx, uow, EventType.CHECKOUT_COMPLETED, paid)


async def payment_refunded(ctx: Context, uow: UnitOfWork, payment: Payment, refund: Refund) -> None:
    """``payment.refunded``: the payment as stored after the refund, and the refund."""
    await emit(
        ctx,
        uow,
        EventType.PAYMENT_REFUNDED,
        payment,
        refund_id=refund.id,
        refund_amount=refund.amount.amount_minor,
    )


def describe(subject: Subject) -> dict[str, Any]:
    """What a merchant needs to act without calling back: the object's current state."""
    if isinstance(subject, Payment):
        return {
            "object": "payment",
            "status": subject.status.value,
            "amount": subject.amount.amount_minor,
            "currency": subject.amount.currency.code,
            "amount_refunded": subject.amount_refunded_minor,
            "source": subject.source.value,
            "checkout_id": subject.checkout_id,
            "created_at": subject.created_at.isoformat(),
        }
    if isinstance(subject, Checkout):
        return {
            "object": "checkout",
            "status": subject.status.value,
            "amount": subject.amount.amount_minor,
            "currency": subject.amount.currency.code,
            "reference": subject.reference,
            "payment_id": subject.payment_id,
            "expires_at": subject.expires_at.isoformat(),
        }
    return {
        "object": "webhook_endpoint",
        "url": subject.url,
        "status": subject.status.value,
        "disabled_reason": None
        if subject.disabled_reason is None
        else subject.disabled_reason.value,
    }
