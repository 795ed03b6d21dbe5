"""Settlement totals and the gateway's side of a reconciliation, read in the database.

Totals are summed by the database (GROUP BY), so a busy day costs a few aggregate queries,
not a read of every payment into memory. A payment's network is the connector of its
approved attempt (the latest, should there be several).

The gateway's key of a network transaction (see docs/adr/0005-outbox-and-webhooks.md):
``reference`` in the data of the attempt's ``payment.attempt`` timeline entry when the
connector returned one (an ISO 8583 RRN), else the attempt's id, which the ISO 20022
connector sends as TxId. A refund's key is the ``reference`` of its timeline entry, else
the refund's id (a pacs.004 return's TxId).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.sql import ColumnElement

from qrpay.adapters.db.checkouts import SqlCheckoutRepository
from qrpay.adapters.db.connection import Db
from qrpay.adapters.db.schema import (
    attempts,
    checkouts,
    payment_events,
    payments,
    refunds,
    transfers,
)
from qrpay.domain.checkouts import Checkout, CheckoutStatus
from qrpay.domain.ids import CheckoutId
from qrpay.domain.ledger import TransferCode
from qrpay.domain.payments import AttemptStatus, PaymentEventKind, Refund, RefundStatus
from qrpay.domain.reconciliation import GatewayOutcome, GatewayRecord, RecordKind
from qrpay.domain.settlement import Captured, SettlementKey

_p = payments.c
_a = attempts.c
_r = refunds.c
_t = transfers.c
_ev = payment_events.c

_OUTCOMES = {
    AttemptStatus.APPROVED.value: GatewayOutcome.APPROVED,
    AttemptStatus.DECLINED.value: GatewayOutcome.DECLINED,
    AttemptStatus.UNKNOWN.value: GatewayOutcome.UNKNOWN,
    AttemptStatus.PENDING.value: GatewayOutcome.UNKNOWN,
}
_REFUND_OUTCOMES = {
    RefundStatus.SUCCEEDED.value: GatewayOutcome.APPROVED,
    RefundStatus.FAILED.value: GatewayOutcome.DECLINED,
    RefundStatus.PENDING.value: GatewayOutcome.UNKNOWN,
}


def _network() -> Any:
    """The connector of the payment's latest approved attempt, as a scalar subquery."""
    inner = attempts.alias("approved")
    return (
        select(inner.c.connector)
        .where(inner.c.payment_id == _p.id, inner.c.status == AttemptStatus.APPROVED.value)
        .order_by(inner.c.position.desc())
        .limit(1)
        .scalar_subquery()
    )


def _key(merchant_id: str, network: str | None, currency: str) -> SettlementKey:
    # A captured payment always has an approved attempt; "unknown" would show a bug plainly.
    return SettlementKey(merchant_id, network or "unknown", currency)


class SqlBackOfficeRepository:
    def __init__(self, db: Db) -> None:
        self._db = db

    async def add_refund(self, refund: Refund) -> None:
        assert refund.status is not RefundStatus.SUCCEEDED, (
            "a succeeded refund goes through apply_refund"
        )
        row = {
            "id": refund.id,
            "payment_id": refund.payment_id,
            "amount_minor": refund.amount.amount_minor,
            "currency": refund.amount.currency.code,
            "status": refund.status.value,
            "created_at": refund.created_at,
        }
        await self._db.execute(refunds.insert(), row)

    async def expire_checkouts(self, now: datetime, limit: int) -> list[Checkout]:
        c = checkouts.c
        due = [c.status == CheckoutStatus.OPEN.value, c.expires_at <= now]
        query = select(c.id).where(*due).order_by(c.expires_at).limit(limit)
        if self._db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = [row.id for row in await self._db.execute(query)]
        if not ids:
            return []
        # Guarded: a checkout paid meanwhile (status no longer open) is left alone.
        await self._db.execute(
            update(checkouts).where(c.id.in_(ids), *due).values(status=CheckoutStatus.EXPIRED.value)
        )
        reader = SqlCheckoutRepository(self._db)
        found = [await reader.get(CheckoutId(i)) for i in ids]
        return [f for f in found if f is not None and f.status is CheckoutStatus.EXPIRED]

    async def captured(self, start: datetime, end: datetime) -> list[Captured]:
        network = _network().label("network")
        inner = (
            select(_p.merchant_id, _p.currency, _p.amount_captured_minor, network)
            .where(_p.created_at >= start, _p.created_at < end, _p.amount_captured_minor > 0)
            .subquery()
        )
        c = inner.c
        query = select(
            c.merchant_id,
            c.network,
            c.currency,
            func.count().label("n"),
            func.sum(c.amount_captured_minor).label("total"),
        ).group_by(c.merchant_id, c.network, c.currency)
        return [
            Captured(_key(r.merchant_id, r.network, r.currency), int(r.n), int(r.total))
            for r in await self._db.execute(query)
        ]

    async def refunded(self, start: datetime, end: datetime) -> list[tuple[SettlementKey, int]]:
        window = and_(_r.created_at >= start, _r.created_at < end)
        done = _r.status == RefundStatus.SUCCEEDED.value
        return await self._sums(refunds, _r.payment_id, _r.amount_minor, _r.currency, window, done)

    async def fees(self, start: datetime, end: datetime) -> list[tuple[SettlementKey, int]]:
        window = and_(_t.created_at >= start, _t.created_at < end)
        fee = _t.code == TransferCode.FEE.value
        return await self._sums(
            transfers, _t.payment_id, _t.amount_posted_minor, _t.currency, window, fee
        )

    async def _sums(
        self,
        table: Any,
        payment_id: Any,
        amount: Any,
        currency: Any,
        *conditions: ColumnElement[bool],
    ) -> list[tuple[SettlementKey, int]]:
        network = _network().label("network")
        inner = (
            select(_p.merchant_id, currency.label("currency"), amount.label("amount"), network)
            .select_from(table.join(payments, payment_id == _p.id))
            .where(*conditions)
            .subquery()
        )
        c = inner.c
        query = select(
            c.merchant_id, c.network, c.currency, func.sum(c.amount).label("total")
        ).group_by(c.merchant_id, c.network, c.currency)
        return [
            (_key(r.merchant_id, r.network, r.currency), int(r.total))
            for r in await self._db.execute(query)
        ]

    async def gateway_records(
        self, connector: str, start: datetime, end: datetime
    ) -> list[GatewayRecord]:
        tried = await self._db.execute(
            select(_a.id, _a.payment_id, _a.status, _p.amount_minor, _p.currency)
            .select_from(attempts.join(payments, _a.payment_id == _p.id))
            .where(_a.connector == connector, _a.created_at >= start, _a.created_at < end)
        )
        tried_rows = list(tried)
        refund_rows = list(
            await self._db.execute(
                select(_r.id, _r.payment_id, _r.status, _r.amount_minor, _r.currency)
                .select_from(refunds.join(payments, _r.payment_id == _p.id))
                .where(_r.created_at >= start, _r.created_at < end)
            )
        )
        payment_ids = {r.payment_id for r in tried_rows} | {r.payment_id for r in refund_rows}
        references = await self._references(payment_ids, connector)
        records = [
            GatewayRecord(
                references.get(r.id, r.id),
                RecordKind.PAYMENT,
                r.amount_minor,
                r.currency,
                _OUTCOMES[r.status],
                r.payment_id,
                r.id,
            )
            for r in tried_rows
        ]
        carried = await self._carried_by(
            {r.payment_id for r in refund_rows if r.id not in references}, connector
        )
        records += [
            GatewayRecord(
                references.get(r.id, r.id),
                RecordKind.REFUND,
                r.amount_minor,
                r.currency,
                _REFUND_OUTCOMES[r.status],
                r.payment_id,
                r.id,
            )
            for r in refund_rows
            if r.id in references or r.payment_id in carried
        ]
        return records

    async def _carried_by(self, payment_ids: set[str], connector: str) -> set[str]:
        """Those of the payments whose money ``connector`` moved (their refunds go back
        the same way)."""
        if not payment_ids:
            return set()
        query = select(_a.payment_id).where(
            _a.payment_id.in_(sorted(payment_ids)),
            _a.connector == connector,
            _a.status == AttemptStatus.APPROVED.value,
        )
        return {row.payment_id for row in await self._db.execute(query)}

    async def _references(self, payment_ids: set[str], connector: str) -> dict[str, str]:
        """Attempt or refund id -> the network's reference, from the timeline entries."""
        if not payment_ids:
            return {}
        query = select(_ev.data).where(
            _ev.payment_id.in_(sorted(payment_ids)), _ev.kind == PaymentEventKind.ATTEMPT.value
        )
        found: dict[str, str] = {}
        for (data,) in await self._db.execute(query):
            if data.get("connector") != connector or not data.get("reference"):
                continue
            for key in ("attempt_id", "refund_id"):
                if data.get(key):
                    found[str(data[key])] = str(data["reference"])
        return found
