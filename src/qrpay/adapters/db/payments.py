"""Payments, their attempts, refunds, timeline events and consumer-presented token claims.

A payment row holds the intent; its attempts are rows of their own, kept in order by
``position``, so that a payment read back equals the one written. The refunded total
changes only in ``apply_refund``'s guarded UPDATE: ``update_status`` never writes it, so it
cannot overwrite a concurrent refund with a total it read earlier.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, case, select, update
from sqlalchemy.sql import ColumnElement

from qrpay.adapters.db import payment_reports
from qrpay.adapters.db.connection import Db
from qrpay.adapters.db.schema import attempts, cpm_token_claims, payment_events, payments, refunds
from qrpay.domain.currency import currency
from qrpay.domain.ids import AttemptId, CheckoutId, MerchantId, PaymentId, RefundId, WalletId
from qrpay.domain.money import Money
from qrpay.domain.payments import (
    REFUNDABLE,
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
from qrpay.services.unit_of_work import (
    FETCH_SIZE_MAX,
    AttemptLatency,
    HourlyVolume,
    PaymentFilter,
)

_p = payments.c


class SqlPaymentRepository:
    def __init__(self, db: Db) -> None:
        self._db = db

    async def add(self, payment: Payment) -> None:
        await self._db.execute(payments.insert(), _payment_row(payment))
        if payment.attempts:
            rows = [_attempt_row(payment.id, n, a) for n, a in enumerate(payment.attempts)]
            await self._db.execute(attempts.insert(), rows)

    async def get(self, payment_id: PaymentId) -> Payment | None:
        found = await self._load(select(payments).where(_p.id == payment_id))
        return found[0] if found else None

    async def update_status(self, payment: Payment) -> None:
        """Status, captured amount and route; attempts are inserted, or their outcome updated."""
        statement = (
            update(payments)
            .where(_p.id == payment.id)
            .values(
                status=payment.status.value,
                amount_captured_minor=payment.amount_captured_minor,
                route=payment.route,
            )
        )
        result = await self._db.execute(statement)
        assert result.rowcount == 1, f"payment {payment.id} is stored"
        if not payment.attempts:
            return
        upsert = self._db.insert(attempts)
        upsert_changed = upsert.on_conflict_do_update(
            index_elements=["id"],
            set_={"status": upsert.excluded.status, "network_code": upsert.excluded.network_code},
        )
        rows = [_attempt_row(payment.id, n, a) for n, a in enumerate(payment.attempts)]
        await self._db.execute(upsert_changed, rows)

    async def apply_refund(self, refund: Refund, status: PaymentStatus) -> bool:
        """Raise the refunded total if it stays within the capture, then store the refund.

        The status stored is derived in the same statement from the new total: ``status``,
        computed by the caller from what it read, can be stale when refunds race.
        """
        assert status in (PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED)
        assert refund.status is RefundStatus.SUCCEEDED, "only a refund that happened counts"
        total = _p.amount_refunded_minor + refund.amount.amount_minor
        statement = (
            update(payments)
            .where(
                _p.id == refund.payment_id,
                _p.currency == refund.amount.currency.code,
                _p.status.in_([s.value for s in REFUNDABLE]),
                total <= _p.amount_captured_minor,
            )
            .values(
                amount_refunded_minor=total,
                status=case(
                    (total == _p.amount_captured_minor, PaymentStatus.REFUNDED.value),
                    else_=PaymentStatus.PARTIALLY_REFUNDED.value,
                ),
            )
        )
        if (await self._db.execute(statement)).rowcount != 1:
            return False
        await self._db.execute(refunds.insert(), _refund_row(refund))
        return True

    async def page(
        self, where: PaymentFilter, *, limit: int, starting_after: PaymentId | None
    ) -> list[Payment]:
        """Newest first (ids sort by creation); ``starting_after`` continues after that id."""
        assert 1 <= limit <= FETCH_SIZE_MAX
        conditions = _conditions(where)
        if where.network is not None:
            conditions.append(payment_reports.network_of(self._db) == where.network)
        if starting_after is not None:
            conditions.append(_p.id < starting_after)
        query = select(payments).where(*conditions).order_by(_p.id.desc()).limit(limit)
        return await self._load(query)

    async def hourly_volume(
        self, *, created_gte: datetime, created_lt: datetime
    ) -> list[HourlyVolume]:
        return await payment_reports.hourly_volume(self._db, created_gte, created_lt)

    async def attempt_latencies(
        self, *, created_gte: datetime, created_lt: datetime, limit: int
    ) -> list[AttemptLatency]:
        return await payment_reports.attempt_latencies(self._db, created_gte, created_lt, limit)

    async def add_event(self, event: PaymentEvent) -> None:
        row = {
            "payment_id": event.payment_id,
            "kind": event.kind.value,
            "data": event.data,
            "created_at": event.created_at,
        }
        await self._db.execute(payment_events.insert(), row)

    async def events(self, payment_id: PaymentId) -> list[PaymentEvent]:
        e = payment_events.c
        rows = await self._db.execute(
            select(payment_events).where(e.payment_id == payment_id).order_by(e.seq)
        )
        return [
            PaymentEvent(PaymentId(r.payment_id), PaymentEventKind(r.kind), r.data, r.created_at)
            for r in rows
        ]

    async def refunds(self, payment_id: PaymentId) -> list[Refund]:
        r = refunds.c
        rows = await self._db.execute(
            select(refunds).where(r.payment_id == payment_id).order_by(r.created_at, r.id)
        )
        return [_refund(row) for row in rows]

    async def claim_cpm_token(self, token_id: str, payment_id: PaymentId) -> bool:
        """Insert the claim unless the token has one; the primary key decides, not a read."""
        statement = self._db.insert(cpm_token_claims).on_conflict_do_nothing(
            index_elements=["token_id"]
        )
        result = await self._db.execute(statement, {"token_id": token_id, "payment_id": payment_id})
        return result.rowcount == 1

    async def _load(self, query: Any) -> list[Payment]:
        """Payments and, in one more query, all their attempts."""
        rows = list(await self._db.execute(query))
        if not rows:
            return []
        a = attempts.c
        attempt_rows = await self._db.execute(
            select(attempts)
            .where(a.payment_id.in_([row.id for row in rows]))
            .order_by(a.payment_id, a.position)
        )
        by_payment: dict[str, list[Attempt]] = {}
        for r in attempt_rows:
            attempt = Attempt(
                AttemptId(r.id), r.connector, AttemptStatus(r.status), r.created_at, r.network_code
            )
            by_payment.setdefault(r.payment_id, []).append(attempt)
        return [_payment(row, by_payment.get(row.id, [])) for row in rows]


def _conditions(where: PaymentFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if where.merchant_id is not None:
        conditions.append(_p.merchant_id == where.merchant_id)
    if where.wallet_id is not None:
        conditions.append(_p.wallet_id == where.wallet_id)
    if where.status is not None:
        conditions.append(_p.status == where.status.value)
    if where.created_gte is not None:
        conditions.append(_p.created_at >= where.created_gte)
    if where.created_lt is not None:
        conditions.append(_p.created_at < where.created_lt)
    return conditions


def _payment_row(payment: Payment) -> dict[str, Any]:
    return {
        "id": payment.id,
        "merchant_id": payment.merchant_id,
        "amount_minor": payment.amount.amount_minor,
        "currency": payment.amount.currency.code,
        "source": payment.source.value,
        "status": payment.status.value,
        "created_at": payment.created_at,
        "wallet_id": payment.wallet_id,
        "checkout_id": payment.checkout_id,
        "amount_captured_minor": payment.amount_captured_minor,
        "amount_refunded_minor": payment.amount_refunded_minor,
        "route": payment.route,
    }


def _payment(row: Row[Any], attempt_list: Sequence[Attempt]) -> Payment:
    return Payment(
        id=PaymentId(row.id),
        merchant_id=MerchantId(row.merchant_id),
        amount=Money(row.amount_minor, currency(row.currency)),
        source=PaymentSource(row.source),
        status=PaymentStatus(row.status),
        created_at=row.created_at,
        wallet_id=None if row.wallet_id is None else WalletId(row.wallet_id),
        checkout_id=None if row.checkout_id is None else CheckoutId(row.checkout_id),
        amount_captured_minor=row.amount_captured_minor,
        amount_refunded_minor=row.amount_refunded_minor,
        route=row.route,
        attempts=list(attempt_list),
    )


def _attempt_row(payment_id: PaymentId, position: int, attempt: Attempt) -> dict[str, Any]:
    return {
        "id": attempt.id,
        "payment_id": payment_id,
        "position": position,
        "connector": attempt.connector,
        "status": attempt.status.value,
        "created_at": attempt.created_at,
        "network_code": attempt.network_code,
    }


def _refund_row(refund: Refund) -> dict[str, Any]:
    return {
        "id": refund.id,
        "payment_id": refund.payment_id,
        "amount_minor": refund.amount.amount_minor,
        "currency": refund.amount.currency.code,
        "status": refund.status.value,
        "created_at": refund.created_at,
    }


def _refund(row: Row[Any]) -> Refund:
    return Refund(
        id=RefundId(row.id),
        payment_id=PaymentId(row.payment_id),
        amount=Money(row.amount_minor, currency(row.currency)),
        status=RefundStatus(row.status),
        created_at=row.created_at,
    )
