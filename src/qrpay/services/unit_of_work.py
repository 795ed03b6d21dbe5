"""The storage ports: a unit of work and the repositories it opens.

A unit of work is one database transaction. Handlers load through its repositories, call the
domain, and ``commit``; leaving the ``async with`` block without committing rolls back, so
a refused request changes nothing. Two stores implement these ports and pass the same tests:
SQLite (the embedded default) and PostgreSQL. Balance changes happen inside the store in one
guarded statement per account, never as read, decide, write.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from qrpay.domain.checkouts import Checkout
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
from qrpay.domain.ledger import Account, Transfer
from qrpay.domain.merchants import Merchant, Store, Terminal, Wallet
from qrpay.domain.payments import Payment, PaymentEvent, PaymentStatus, Refund
from qrpay.services.notification_ports import (
    BackOfficeRepository,
    EventRepository,
    WebhookRepository,
)

PAGE_SIZE_MAX = 100
"""The most items a caller may ask for in one page."""
FETCH_SIZE_MAX = PAGE_SIZE_MAX + 1
"""What a repository may be asked for: a page and one more, to tell whether more follow."""


@dataclass(frozen=True, slots=True)
class PaymentFilter:
    merchant_id: MerchantId | None = None
    wallet_id: WalletId | None = None
    status: PaymentStatus | None = None
    created_gte: datetime | None = None
    created_lt: datetime | None = None
    network: str | None = None
    """The network the payment's route chose (``route["network"]``), e.g. ``qrpay``."""


@dataclass(frozen=True, slots=True)
class HourlyVolume:
    """Payments created in one hour (UTC) on one network in one currency."""

    hour: datetime
    network: str
    currency: str
    created: int
    succeeded: int
    """Captured at some point: succeeded, partially refunded or refunded."""
    amount_succeeded_minor: int


@dataclass(frozen=True, slots=True)
class AttemptLatency:
    """One attempt's network round trip, as its timeline event recorded it."""

    created_at: datetime
    network: str
    latency_ms: float


class MerchantRepository(Protocol):
    async def add(self, merchant: Merchant) -> None: ...
    async def get(self, merchant_id: MerchantId) -> Merchant | None: ...
    async def page(self, *, limit: int, starting_after: MerchantId | None) -> list[Merchant]:
        """Newest first; ``starting_after`` continues after that id."""
        ...

    async def add_store(self, store: Store) -> None: ...
    async def add_terminal(self, terminal: Terminal) -> None: ...
    async def get_terminal(self, terminal_id: TerminalId) -> Terminal | None: ...


class WalletRepository(Protocol):
    async def add(self, wallet: Wallet) -> None: ...
    async def get(self, wallet_id: WalletId) -> Wallet | None: ...


class CredentialRepository(Protocol):
    async def add_api_key(self, key: ApiKey) -> None: ...
    async def find_api_key(self, key_hash: str) -> ApiKey | None: ...
    async def add_wallet_token(self, token: WalletToken) -> None: ...
    async def find_wallet_token(self, token_hash: str) -> WalletToken | None: ...


class LedgerRepository(Protocol):
    async def open_accounts(self, accounts: Sequence[Account]) -> None:
        """Open accounts with zero sums; an id that exists already is left as it is."""
        ...

    async def get_accounts(self, account_ids: Sequence[AccountId]) -> dict[AccountId, Account]: ...
    async def create_transfers(self, transfers: Sequence[Transfer]) -> None:
        """Apply new transfers (pending or posted) with every ledger rule.

        Raises ``InsufficientFunds`` or ``TransferInvalid`` and applies nothing of the batch
        in that case (the unit of work is then rolled back by its owner). Accounts are
        locked in ascending id order, whatever the order of the batch.
        """
        ...

    async def post_pending(self, transfer_id: TransferId, amount_minor: int | None) -> Transfer: ...
    async def void_pending(self, transfer_id: TransferId, *, expired: bool = False) -> Transfer: ...
    async def transfers_of(
        self, account_id: AccountId, *, limit: int, starting_after: TransferId | None
    ) -> list[Transfer]:
        """Transfers debiting or crediting the account, newest first."""
        ...

    async def all_accounts(self) -> list[Account]: ...
    async def all_transfers(self) -> list[Transfer]: ...


class CheckoutRepository(Protocol):
    async def add(self, checkout: Checkout) -> None: ...
    async def get(self, checkout_id: CheckoutId) -> Checkout | None: ...
    async def mark_paid(
        self, checkout_id: CheckoutId, payment_id: PaymentId, now: datetime
    ) -> bool:
        """Open and unexpired -> paid, in one guarded statement. False if it was not payable."""
        ...


class PaymentRepository(Protocol):
    async def add(self, payment: Payment) -> None:
        """Insert the payment with its attempts and route."""
        ...

    async def get(self, payment_id: PaymentId) -> Payment | None: ...
    async def update_status(self, payment: Payment) -> None:
        """Store status, captured amount, route and any new attempts."""
        ...

    async def apply_refund(self, refund: Refund, status: PaymentStatus) -> bool:
        """Add the refund and raise the refunded total in one guarded statement.

        False (and nothing stored) when the total would exceed the captured amount, which
        keeps concurrent refunds from over-refunding whatever each of them read before.
        """
        ...

    async def page(
        self, where: PaymentFilter, *, limit: int, starting_after: PaymentId | None
    ) -> list[Payment]: ...
    async def hourly_volume(
        self, *, created_gte: datetime, created_lt: datetime
    ) -> list[HourlyVolume]:
        """Counts and amounts per hour, network and currency, oldest hour first."""
        ...

    async def attempt_latencies(
        self, *, created_gte: datetime, created_lt: datetime, limit: int
    ) -> list[AttemptLatency]:
        """Of the newest ``limit`` attempts in the range, those that recorded ``latency_ms``."""
        ...

    async def add_event(self, event: PaymentEvent) -> None: ...
    async def events(self, payment_id: PaymentId) -> list[PaymentEvent]: ...
    async def refunds(self, payment_id: PaymentId) -> list[Refund]: ...
    async def claim_cpm_token(self, token_id: str, payment_id: PaymentId) -> bool:
        """Record that a consumer-presented token was used; False if it already was."""
        ...


class IdempotencyRepository(Protocol):
    async def begin(self, record: IdempotencyRecord) -> IdempotencyRecord | None:
        """Insert a new, unfinished record, or return the one already committed for the key.

        On PostgreSQL a concurrent insert of the same key waits for the other transaction,
        then sees its committed record; so a duplicate never runs alongside the first.
        """
        ...

    async def complete(self, scope: str, key: str, status: int, body: bytes) -> None: ...
    async def purge_expired(self, now: datetime) -> int: ...


class UnitOfWork(Protocol):
    # Read-only properties, so an implementation may hold its own repository types.
    @property
    def merchants(self) -> MerchantRepository: ...
    @property
    def wallets(self) -> WalletRepository: ...
    @property
    def credentials(self) -> CredentialRepository: ...
    @property
    def ledger(self) -> LedgerRepository: ...
    @property
    def checkouts(self) -> CheckoutRepository: ...
    @property
    def payments(self) -> PaymentRepository: ...
    @property
    def idempotency(self) -> IdempotencyRepository: ...
    @property
    def events(self) -> EventRepository: ...
    @property
    def webhooks(self) -> WebhookRepository: ...
    @property
    def back_office(self) -> BackOfficeRepository: ...

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back unless ``commit`` was called."""
        ...

    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
