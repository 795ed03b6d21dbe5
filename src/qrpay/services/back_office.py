"""Back office: settlement reports of a business day, and reconciliation of network reports.

``settle`` sums what each merchant is owed per network and currency for one business day
(domain/settlement.py). ``reconcile`` reads a network's end-of-day report
(network_reports.py), matches it against the gateway's attempts and refunds over that
network in the report's business day (domain/reconciliation.py), and settles every attempt
whose outcome was unknown and that the report resolves: approved means the payment
succeeds and its money moves through the network's clearing account; otherwise it fails.
Each settlement is recorded on the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Final

from qrpay.domain.errors import BusinessDayInvalid
from qrpay.domain.events import EventType
from qrpay.domain.ids import AccountId, PaymentId, TransferId
from qrpay.domain.ledger import Account, AccountKind, Transfer, TransferCode, TransferStatus
from qrpay.domain.payments import (
    AttemptStatus,
    Payment,
    PaymentEvent,
    PaymentEventKind,
    PaymentStatus,
)
from qrpay.domain.reconciliation import (
    MismatchKind,
    Reconciliation,
    RecordKind,
    Resolution,
    reconcile,
)
from qrpay.domain.settlement import BusinessDayRule, SettlementLine, settlement_lines
from qrpay.services import events
from qrpay.services.audit import AuditTrail
from qrpay.services.context import Context
from qrpay.services.network_reports import parse_report
from qrpay.services.unit_of_work import UnitOfWork
from qrpay.services.webhooks import WebhookSettings

RECONCILIATION_ACTOR: Final = "reconciliation"


@dataclass(frozen=True)
class BackOffice:
    """What the notification and back-office handlers need beyond the service context."""

    webhooks: WebhookSettings
    audit: AuditTrail
    business_day: BusinessDayRule


async def settle(
    uow: UnitOfWork, rule: BusinessDayRule, day: date, merchant_id: str | None = None
) -> list[SettlementLine]:
    """Per merchant, network and currency: count, gross, refunds, fees and net of ``day``."""
    start, end = rule.window(day)
    lines = settlement_lines(
        day,
        await uow.back_office.captured(start, end),
        await uow.back_office.refunded(start, end),
        await uow.back_office.fees(start, end),
    )
    return [line for line in lines if merchant_id is None or line.merchant_id == merchant_id]


@dataclass(frozen=True, slots=True)
class ReconciliationReport:
    network: str
    business_day: date
    result: Reconciliation
    settled: tuple[dict[str, Any], ...]

    def as_dict(self) -> dict[str, Any]:
        counts = {kind.value: self.result.count(kind) for kind in MismatchKind}
        return {
            "network": self.network,
            "business_day": self.business_day.isoformat(),
            "matched": self.result.matched,
            "mismatch_counts": counts,
            "mismatches": [m.as_dict() for m in self.result.mismatches],
            "settled": list(self.settled),
        }


async def reconcile_report(
    ctx: Context,
    uow: UnitOfWork,
    audit: AuditTrail,
    rule: BusinessDayRule,
    network: str,
    data: bytes,
    day: date | None = None,
) -> ReconciliationReport:
    """Match the report; settle the unknown outcomes it resolves (the caller commits)."""
    records, days = parse_report(network, data)
    chosen = day or _only_day(days)
    start, end = rule.window(chosen)
    gateway = await uow.back_office.gateway_records(network, start, end)
    result = reconcile(gateway, records)
    settled = []
    for resolution in result.resolutions:
        done = await _settle_unknown(ctx, uow, network, resolution)
        if done is not None:
            settled.append(done)
            await audit.record(
                RECONCILIATION_ACTOR,
                "payment.outcome_resolved",
                resolution.gateway.payment_id,
                before={"attempt": resolution.gateway.record_id, "outcome": "unknown"},
                after=done,
            )
    return ReconciliationReport(network, chosen, result, tuple(settled))


def _only_day(days: set[date]) -> date:
    if len(days) != 1:
        shown = ", ".join(sorted(d.isoformat() for d in days)) or "none"
        raise BusinessDayInvalid(f"the report covers days {shown}: name the business day")
    return next(iter(days))


async def _settle_unknown(
    ctx: Context, uow: UnitOfWork, network: str, resolution: Resolution
) -> dict[str, Any] | None:
    record = resolution.gateway
    if record.kind is not RecordKind.PAYMENT:
        # A refund left pending is settled by the refund's own follow-up (services/refunds.py).
        return None
    payment = await uow.payments.get(PaymentId(record.payment_id))
    assert payment is not None
    index = next(i for i, a in enumerate(payment.attempts) if a.id == record.record_id)
    if payment.attempts[index].status is not AttemptStatus.UNKNOWN:
        return None  # settled meanwhile
    status = AttemptStatus.APPROVED if resolution.approved else AttemptStatus.DECLINED
    payment.attempts[index] = replace(payment.attempts[index], status=status)
    if resolution.approved:
        payment.succeed()
        await _move_money(ctx, uow, network, payment)
    else:
        payment.move_to(PaymentStatus.FAILED)
    await uow.payments.update_status(payment)
    data = {"attempt_id": record.record_id, "connector": network, "outcome": status.value}
    await uow.payments.add_event(
        PaymentEvent(
            payment.id, PaymentEventKind.ATTEMPT, {**data, "resolved_by": "report"}, ctx.now()
        )
    )
    kind = PaymentEventKind.SUCCEEDED if resolution.approved else PaymentEventKind.FAILED
    await uow.payments.add_event(PaymentEvent(payment.id, kind, {}, ctx.now()))
    event = EventType.PAYMENT_SUCCEEDED if resolution.approved else EventType.PAYMENT_FAILED
    await events.emit(ctx, uow, event, payment, resolved_by="reconciliation")
    return {"payment_id": payment.id, **data, "status": payment.status.value}


def clearing_account_id(network: str, currency_code: str) -> AccountId:
    """The gateway's account at a network: what the network owes it or it owes the network."""
    return AccountId(f"clearing:{network}:{currency_code}")


async def _move_money(ctx: Context, uow: UnitOfWork, network: str, payment: Payment) -> None:
    """A payer wallet here pays out through the network; else the network pays a merchant."""
    code = payment.amount.currency.code
    clearing = clearing_account_id(network, code)
    await uow.ledger.open_accounts([Account(clearing, AccountKind.CLEARING, code)])
    if payment.wallet_id is not None:
        wallet = await uow.wallets.get(payment.wallet_id)
        assert wallet is not None
        debit, credit = wallet.account_id, clearing
    else:
        merchant = await uow.merchants.get(payment.merchant_id)
        assert merchant is not None
        debit, credit = clearing, merchant.account_id
    transfer = Transfer(
        id=TransferId(ctx.ids.new("trf")),
        debit_account_id=debit,
        credit_account_id=credit,
        amount_minor=payment.amount.amount_minor,
        currency=code,
        code=TransferCode.PAYMENT,
        status=TransferStatus.POSTED,
        created_at=ctx.now(),
        amount_posted_minor=payment.amount.amount_minor,
        payment_id=payment.id,
    )
    await uow.ledger.create_transfers([transfer])
