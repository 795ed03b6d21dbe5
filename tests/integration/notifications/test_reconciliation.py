"""A seeded business day with injected mismatches, reconciled on both databases.

The gateway's side is written through the repositories, as the routing engineer's
connectors will write it (an attempt per network request, its reference on the timeline);
the network's side is written by the simulators' own report writers, then altered.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from qrpay.adapters.db.store import SqlStore
from qrpay.connectors.iso20022.messages import References
from qrpay.connectors.iso20022.statement import (
    Entry,
    EntryKind,
    Statement,
    StatementReport,
    build_statement_report,
)
from qrpay.domain.audit import Sha256Sealer
from qrpay.domain.currency import currency
from qrpay.domain.ids import AttemptId, PaymentId
from qrpay.domain.money import Money
from qrpay.domain.payments import (
    Attempt,
    AttemptStatus,
    Payment,
    PaymentEvent,
    PaymentEventKind,
    PaymentSource,
    PaymentStatus,
)
from qrpay.domain.reconciliation import MismatchKind
from qrpay.domain.settlement import BusinessDayRule
from qrpay.services.audit import AuditTrail
from qrpay.services.back_office import clearing_account_id, reconcile_report
from qrpay.simulators.acquirer_ledger import render_report
from tests.fakes.audit import InMemoryAuditLog
from tests.fakes.context import Harness, harness
from tests.notifications import Shop, open_shop

DAY = date(2026, 11, 24)
RULE = BusinessDayRule("UTC")


async def _card_payment(
    h: Harness, shop: Shop, n: int, amount: int, status: AttemptStatus, network: str, rrn: str
) -> Payment:
    now = h.clock.now()
    attempt = Attempt(AttemptId(f"att_{network}_{n:04d}"), network, status, now, "00")
    approved = status is AttemptStatus.APPROVED
    payment = Payment(
        id=PaymentId(f"pay_{network}_{n:04d}"),
        merchant_id=shop.merchant.id,
        amount=Money(amount, currency("THB")),
        source=PaymentSource.CPM,
        status=PaymentStatus.SUCCEEDED if approved else PaymentStatus.PROCESSING,
        created_at=now,
        amount_captured_minor=amount if approved else 0,
        attempts=[attempt],
    )
    if status is AttemptStatus.DECLINED:
        payment.status = PaymentStatus.FAILED
    async with h.ctx.uow() as uow:
        await uow.payments.add(payment)
        data = {"attempt_id": attempt.id, "connector": network, "outcome": status.value}
        if rrn:
            data["reference"] = rrn
        await uow.payments.add_event(PaymentEvent(payment.id, PaymentEventKind.ATTEMPT, data, now))
        await uow.commit()
    return payment


def _row(rrn: str, amount: int, status: str, kind: str = "sale") -> dict[str, object]:
    return {
        "stan": rrn[-6:],
        "rrn": rrn,
        "terminal": "T0000001",
        "merchant": "ACQ-MERCHANT-1",
        "kind": kind,
        "amount_minor": amount,
        "currency": "THB",
        "response_code": "00" if status != "declined" else "05",
        "status": status,
        "time": "2026-11-24T09:00:00+00:00",
    }


async def test_a_seeded_acquirer_day_reconciles_to_exactly_the_injected_mismatches(
    sql_store: SqlStore,
) -> None:
    # given a business day at the gateway: five approved sales, one unknown, one declined
    h = harness(store=sql_store)
    shop = await open_shop(h.ctx)
    sales = [
        await _card_payment(h, shop, n, 1000 * n, AttemptStatus.APPROVED, "acquirer", f"R{n:011d}")
        for n in range(1, 6)
    ]
    late = await _card_payment(h, shop, 6, 6000, AttemptStatus.UNKNOWN, "acquirer", "R00000000006")
    await _card_payment(h, shop, 7, 7000, AttemptStatus.DECLINED, "acquirer", "R00000000007")
    # and the acquirer's report of the same day, with three faults injected
    rows = [_row(f"R{n:011d}", 1000 * n, "approved") for n in range(1, 6)]
    del rows[2]  # R3: a payment missing at the network
    rows[2]["amount_minor"] = 4100  # R4: an amount difference
    rows.append(_row("R00000000006", 6000, "approved"))  # R6: a late approval
    rows.append(_row("R00000000007", 7000, "declined"))  # agreed: nothing moved
    rows.append(_row("R00000000008", 500, "approved", kind="authorization"))  # a hold only
    report = render_report(rows, "csv").encode()
    audit = InMemoryAuditLog()
    trail = AuditTrail(audit, Sha256Sealer(), h.clock.now)
    # when it is reconciled
    async with h.ctx.uow() as uow:
        result = await reconcile_report(h.ctx, uow, trail, RULE, "acquirer", report)
        await uow.commit()
    # then exactly the three injected mismatches are listed, each with both sides
    found = {(m.kind, m.key) for m in result.result.mismatches}
    assert found == {
        (MismatchKind.MISSING_AT_NETWORK, "R00000000003"),
        (MismatchKind.AMOUNT_MISMATCH, "R00000000004"),
        (MismatchKind.STATUS_MISMATCH, "R00000000006"),
    }
    amount = next(m for m in result.result.mismatches if m.kind is MismatchKind.AMOUNT_MISMATCH)
    assert amount.gateway is not None
    assert amount.network is not None
    assert (amount.gateway.amount_minor, amount.network.amount_minor) == (4000, 4100)
    assert result.result.matched == 4 - 1 + 1  # R1, R2, R5 and the agreed decline R7
    assert result.business_day == DAY
    # and the late approval settled the unknown attempt: succeeded, money moved, audited
    assert [s["payment_id"] for s in result.settled] == [late.id]
    async with h.ctx.uow() as uow:
        settled = await uow.payments.get(late.id)
        accounts = await uow.ledger.get_accounts(
            [shop.merchant.account_id, clearing_account_id("acquirer", "THB")]
        )
        told = await uow.events.unpublished()
    assert settled is not None
    assert settled.status is PaymentStatus.SUCCEEDED
    assert settled.attempts[0].status is AttemptStatus.APPROVED
    assert accounts[shop.merchant.account_id].balance_minor == 6000
    assert accounts[clearing_account_id("acquirer", "THB")].debits_posted == 6000
    assert told == 1
    assert [e.record.action for e in audit.rows] == ["payment.outcome_resolved"]
    assert all(s.status is PaymentStatus.SUCCEEDED for s in sales)
    # and a second run settles nothing again
    async with h.ctx.uow() as uow:
        again = await reconcile_report(h.ctx, uow, trail, RULE, "acquirer", report)
    assert again.settled == ()
    assert {m.kind for m in again.result.mismatches} == {
        MismatchKind.MISSING_AT_NETWORK,
        MismatchKind.AMOUNT_MISMATCH,
    }


async def test_an_instant_camt053_is_matched_by_txid(sql_store: SqlStore) -> None:
    h = harness(store=sql_store)
    shop = await open_shop(h.ctx)
    paid = [
        await _card_payment(h, shop, n, 250 * n, AttemptStatus.APPROVED, "instant", "")
        for n in (1, 2)
    ]

    def entry(tx_id: str, amount: int) -> Entry:
        refs = References(tx_id, tx_id, "e2e", tx_id, uuid.uuid4())
        return Entry(refs, Money(amount, currency("THB")), EntryKind.TRANSFER, DAY)

    entries = (
        entry(paid[0].attempts[0].id, 250),
        entry(paid[1].attempts[0].id, 500),
        entry("att_unknown_here", 900),  # missing at the gateway
    )
    statement = Statement("THB-2026-11-24", "GW-SETTLEMENT", currency("THB"), DAY, 0, entries)
    camt = build_statement_report(
        StatementReport("msg-1", h.clock.now() + timedelta(hours=12), (statement,))
    )
    trail = AuditTrail(InMemoryAuditLog(), Sha256Sealer(), h.clock.now)
    async with h.ctx.uow() as uow:
        result = await reconcile_report(h.ctx, uow, trail, RULE, "instant", camt)
    assert result.result.matched == 2
    assert [(m.kind, m.key) for m in result.result.mismatches] == [
        (MismatchKind.MISSING_AT_GATEWAY, "att_unknown_here")
    ]
