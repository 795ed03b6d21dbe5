"""Checkouts; paying one is a single guarded UPDATE, so two payments cannot both take it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update

from qrpay.adapters.db.connection import Db
from qrpay.adapters.db.schema import checkouts
from qrpay.domain.checkouts import Checkout, CheckoutStatus
from qrpay.domain.currency import currency
from qrpay.domain.ids import CheckoutId, MerchantId, PaymentId, TerminalId
from qrpay.domain.money import Money

_c = checkouts.c


class SqlCheckoutRepository:
    def __init__(self, db: Db) -> None:
        self._db = db

    async def add(self, checkout: Checkout) -> None:
        row = {
            "id": checkout.id,
            "merchant_id": checkout.merchant_id,
            "amount_minor": checkout.amount.amount_minor,
            "currency": checkout.amount.currency.code,
            "reference": checkout.reference,
            "status": checkout.status.value,
            "qr_payload": checkout.qr_payload,
            "created_at": checkout.created_at,
            "expires_at": checkout.expires_at,
            "terminal_id": checkout.terminal_id,
            "payment_id": checkout.payment_id,
        }
        await self._db.execute(checkouts.insert(), row)

    async def get(self, checkout_id: CheckoutId) -> Checkout | None:
        row = (await self._db.execute(select(checkouts).where(_c.id == checkout_id))).first()
        return None if row is None else _checkout(row)

    async def mark_paid(
        self, checkout_id: CheckoutId, payment_id: PaymentId, now: datetime
    ) -> bool:
        """Open and unexpired (``now < expires_at``, as ``Checkout.status_at``) -> paid."""
        statement = (
            update(checkouts)
            .where(
                _c.id == checkout_id,
                _c.status == CheckoutStatus.OPEN.value,
                _c.expires_at > now,
            )
            .values(status=CheckoutStatus.PAID.value, payment_id=payment_id)
        )
        return (await self._db.execute(statement)).rowcount == 1


def _checkout(row: Row[Any]) -> Checkout:
    return Checkout(
        id=CheckoutId(row.id),
        merchant_id=MerchantId(row.merchant_id),
        amount=Money(row.amount_minor, currency(row.currency)),
        reference=row.reference,
        status=CheckoutStatus(row.status),
        qr_payload=row.qr_payload,
        created_at=row.created_at,
        expires_at=row.expires_at,
        terminal_id=None if row.terminal_id is None else TerminalId(row.terminal_id),
        payment_id=None if row.payment_id is None else PaymentId(row.payment_id),
    )
