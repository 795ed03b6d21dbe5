"""An in-memory unit of work for service tests: the domain ledger behind the storage ports.

It keeps committed state apart from the working copy, so a test can tell that a refused
command changed nothing: leaving the block without ``commit`` throws the copy away.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import TracebackType
from typing import Self

from qrpay.domain.checkouts import Checkout, CheckoutStatus
from qrpay.domain.credentials import ApiKey, WalletToken
from qrpay.domain.idempotency import IdempotencyRecord
from qrpay.domain.ids import (
    AccountId,
    CheckoutId,
    MerchantId,
    PaymentId,
    TerminalId,
    TransferId,
    WalletId,
)
from qrpay.domain.ledger import Account, Ledger, Transfer
from qrpay.domain.merchants import Merchant, Store, Terminal, Wallet
from qrpay.domain.payments import (
    CAPTURED,
    Payment,
    PaymentEvent,
    PaymentEventKind,
    PaymentStatus,
    Refund,
)
from qrpay.services.unit_of_work import AttemptLatency, HourlyVolume, PaymentFilter
from tests.fakes.notifications import (
    FakeBackOffice,
    FakeEvents,
    FakeWebhooks,
    NotificationState,
)


@dataclass
class FakeState:
    merchants: dict[MerchantId, Merchant] = field(default_factory=dict)
    stores: dict[str, Store] = field(default_factory=dict)
    terminals: dict[TerminalId, Terminal] = field(default_factory=dict)
    wallets: dict[WalletId, Wallet] = field(default_factory=dict)
    api_keys: dict[str, ApiKey] = field(default_factory=dict)
    wallet_tokens: dict[str, WalletToken] = field(default_factory=dict)
    ledger: Ledger = field(default_factory=Ledger)
    checkouts: dict[CheckoutId, Checkout] = field(default_factory=dict)
    payments: dict[PaymentId, Payment] = field(default_factory=dict)
    refunds: list[Refund] = field(default_factory=list)
    events: list[PaymentEvent] = field(default_factory=list)
    cpm_tokens: dict[str, PaymentId] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], IdempotencyRecord] = field(default_factory=dict)
    notifications: NotificationState = field(default_factory=NotificationState)


class _Repo:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def s(self) -> FakeState:
        return self._uow.working


class FakeMerchants(_Repo):
    async def add(self, merchant: Merchant) -> None:
        self.s.merchants[merchant.id] = merchant

    async def get(self, merchant_id: MerchantId) -> Merchant | None:
        return self.s.merchants.get(merchant_id)

    async def page(self, *, limit: int, starting_after: MerchantId | None) -> list[Merchant]:
        ordered = sorted(self.s.merchants.values(), key=lambda m: m.id, reverse=True)
        if starting_after is not None:
            ordered = [m for m in ordered if m.id < starting_after]
        return ordered[:limit]

    async def add_store(self, store: Store) -> None:
        self.s.stores[store.id] = store

    async def add_terminal(self, terminal: Terminal) -> None:
        self.s.terminals[terminal.id] = terminal

    async def get_terminal(self, terminal_id: TerminalId) -> Terminal | None:
        return self.s.terminals.get(terminal_id)


class FakeWallets(_Repo):
    async def add(self, wallet: Wallet) -> None:
        self.s.wallets[wallet.id] = wallet

    async def get(self, wallet_id: WalletId) -> Wallet | None:
        return self.s.wallets.get(wallet_id)


class FakeCredentials(_Repo):
    async def add_api_key(self, key: ApiKey) -> None:
        self.s.api_keys[key.key_hash] = key

    async def find_api_key(self, key_hash: str) -> ApiKey | None:
        return self.s.api_keys.get(key_hash)

    async def add_wallet_token(self, token: WalletToken) -> None:
        self.s.wallet_tokens[token.token_hash] = token

    async def find_wallet_token(self, token_hash: str) -> WalletToken | None:
        return self.s.wallet_tokens.get(token_hash)


class FakeLedger(_Repo):
    async def open_accounts(self, accounts: Sequence[Account]) -> None:
        for account in accounts:
            if account.id not in self.s.ledger.accounts:
                self.s.ledger.open_account(copy.copy(account))

    async def get_accounts(self, account_ids: Sequence[AccountId]) -> dict[AccountId, Account]:
        found = self.s.ledger.accounts
        return {i: copy.copy(found[i]) for i in account_ids if i in found}

    async def create_transfers(self, transfers: Sequence[Transfer]) -> None:
        self.s.ledger.create_transfers(transfers)

    async def post_pending(self, transfer_id: TransferId, amount_minor: int | None) -> Transfer:
        return self.s.ledger.post_pending(transfer_id, amount_minor)

    async def void_pending(self, transfer_id: TransferId, *, expired: bool = False) -> Transfer:
        return self.s.ledger.void_pending(transfer_id, expired=expired)

    async def transfers_of(
        self, account_id: AccountId, *, limit: int, starting_after: TransferId | None
    ) -> list[Transfer]:
        mine = [
            t
            for t in self.s.ledger.transfers.values()
            if account_id in (t.debit_account_id, t.credit_account_id)
        ]
        mine.sort(key=lambda t: t.id, reverse=True)
        if starting_after is not None:
            mine = [t for t in mine if t.id < starting_after]
        return mine[:limit]

    async def all_accounts(self) -> list[Account]:
        return [copy.copy(a) for a in self.s.ledger.accounts.values()]

    async def all_transfers(self) -> list[Transfer]:
        return list(self.s.ledger.transfers.values())


class FakeCheckouts(_Repo):
    async def add(self, checkout: Checkout) -> None:
        self.s.checkouts[checkout.id] = copy.copy(checkout)

    async def get(self, checkout_id: CheckoutId) -> Checkout | None:
        found = self.s.checkouts.get(checkout_id)
        return copy.copy(found) if found else None

    async def mark_paid(
        self, checkout_id: CheckoutId, payment_id: PaymentId, now: datetime
    ) -> bool:
        checkout = self.s.checkouts.get(checkout_id)
        if checkout is None or checkout.status_at(now) is not CheckoutStatus.OPEN:
            return False
        checkout.status = CheckoutStatus.PAID
        checkout.payment_id = payment_id
        return True


class FakePayments(_Repo):
    async def add(self, payment: Payment) -> None:
        self.s.payments[payment.id] = copy.deepcopy(payment)

    async def get(self, payment_id: PaymentId) -> Payment | None:
        found = self.s.payments.get(payment_id)
        return copy.deepcopy(found) if found else None

    async def update_status(self, payment: Payment) -> None:
        self.s.payments[payment.id] = copy.deepcopy(payment)

    async def apply_refund(self, refund: Refund, status: PaymentStatus) -> bool:
        payment = self.s.payments[refund.payment_id]
        total = payment.amount_refunded_minor + refund.amount.amount_minor
        if total > payment.amount_captured_minor:
            return False
        payment.amount_refunded_minor = total
        full = total == payment.amount_captured_minor
        payment.status = PaymentStatus.REFUNDED if full else PaymentStatus.PARTIALLY_REFUNDED
        self.s.refunds.append(refund)
        return True

    async def page(
        self, where: PaymentFilter, *, limit: int, starting_after: PaymentId | None
    ) -> list[Payment]:
        found = [
            p
            for p in self.s.payments.values()
            if (where.merchant_id is None or p.merchant_id == where.merchant_id)
            and (where.wallet_id is None or p.wallet_id == where.wallet_id)
            and (where.status is None or p.status == where.status)
            and (where.created_gte is None or p.created_at >= where.created_gte)
            and (where.created_lt is None or p.created_at < where.created_lt)
            and (where.network is None or (p.route or {}).get("network") == where.network)
            and (starting_after is None or p.id < starting_after)
        ]
        found.sort(key=lambda p: p.id, reverse=True)
        return [copy.deepcopy(p) for p in found[:limit]]

    async def hourly_volume(
        self, *, created_gte: datetime, created_lt: datetime
    ) -> list[HourlyVolume]:
        groups: dict[tuple[datetime, str, str], list[Payment]] = {}
        for p in self.s.payments.values():
            if created_gte <= p.created_at < created_lt:
                hour = p.created_at.replace(minute=0, second=0, microsecond=0)
                key = (hour, _network(p), p.amount.currency.code)
                groups.setdefault(key, []).append(p)
        return [
            HourlyVolume(
                hour,
                network,
                currency_code,
                created=len(group),
                succeeded=sum(p.status in CAPTURED for p in group),
                amount_succeeded_minor=sum(
                    p.amount.amount_minor for p in group if p.status in CAPTURED
                ),
            )
            for (hour, network, currency_code), group in sorted(groups.items())
        ]

    async def attempt_latencies(
        self, *, created_gte: datetime, created_lt: datetime, limit: int
    ) -> list[AttemptLatency]:
        newest = [
            e
            for e in reversed(self.s.events)
            if e.kind is PaymentEventKind.ATTEMPT and created_gte <= e.created_at < created_lt
        ][:limit]
        return [
            AttemptLatency(e.created_at, _network(self.s.payments[e.payment_id]), float(latency))
            for e in newest
            if isinstance(latency := e.data.get("latency_ms"), int | float)
        ]

    async def add_event(self, event: PaymentEvent) -> None:
        self.s.events.append(event)

    async def events(self, payment_id: PaymentId) -> list[PaymentEvent]:
        return [e for e in self.s.events if e.payment_id == payment_id]

    async def refunds(self, payment_id: PaymentId) -> list[Refund]:
        return [r for r in self.s.refunds if r.payment_id == payment_id]

    async def claim_cpm_token(self, token_id: str, payment_id: PaymentId) -> bool:
        if token_id in self.s.cpm_tokens:
            return False
        self.s.cpm_tokens[token_id] = payment_id
        return True


def _network(payment: Payment) -> str:
    network: str = (payment.route or {}).get("network") or "unknown"
    return network


class FakeIdempotency(_Repo):
    async def begin(self, record: IdempotencyRecord) -> IdempotencyRecord | None:
        existing = self._uow.committed.idempotency.get((record.scope, record.key))
        if existing is not None:
            return existing
        self.s.idempotency[(record.scope, record.key)] = record
        return None

    async def complete(self, scope: str, key: str, status: int, body: bytes) -> None:
        record = self.s.idempotency[(scope, key)]
        self.s.idempotency[(scope, key)] = replace(
            record, response_status=status, response_body=body
        )

    async def purge_expired(self, now: datetime) -> int:
        expired = [k for k, r in self.s.idempotency.items() if r.expires_at <= now]
        for k in expired:
            del self.s.idempotency[k]
        return len(expired)


class FakeUnitOfWork:
    """Commits replace the shared state with the working copy; anything else discards it."""

    def __init__(self, committed: FakeState) -> None:
        self.committed = committed
        self.working = committed
        self.commits = 0
        self.merchants = FakeMerchants(self)
        self.wallets = FakeWallets(self)
        self.credentials = FakeCredentials(self)
        self.ledger = FakeLedger(self)
        self.checkouts = FakeCheckouts(self)
        self.payments = FakePayments(self)
        self.idempotency = FakeIdempotency(self)
        self.events = FakeEvents(self)
        self.webhooks = FakeWebhooks(self)
        self.back_office = FakeBackOffice(self)

    async def __aenter__(self) -> Self:
        self.working = copy.deepcopy(self.committed)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.working = self.committed

    async def commit(self) -> None:
        self.committed.__dict__.update(self.working.__dict__)
        self.working = copy.deepcopy(self.committed)
        self.commits += 1

    async def rollback(self) -> None:
        self.working = copy.deepcopy(self.committed)


class FakeStore:
    """A factory of fake units of work over one shared state."""

    def __init__(self) -> None:
        self.state = FakeState()

    def __call__(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.state)
