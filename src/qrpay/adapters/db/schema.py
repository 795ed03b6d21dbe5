"""Every table of the store, defined once, as SQLAlchemy Core metadata.

The migrations in ``migrations/versions`` are written by hand; a test checks that applying
them yields exactly this metadata, constraint names included. Money is BIGINT minor units
beside a three-letter currency code; timestamps are ``UtcDateTime``; JSON is ``JsonText``.

The database is the second line of defence for the ledger and for payments; the
repositories are the first. These constraints hold whatever code writes the rows:

    accounts   each of the four sums >= 0;
               a no-overdraw account never has posted + pending debits above posted credits
    transfers  amount > 0; debit and credit accounts differ; 0 <= posted <= amount, and
               posted > 0 exactly when the status is posted; both legs reference an account
               of the transfer's own currency (composite keys to accounts (id, currency))
    payments   0 <= refunded <= captured <= amount; amount > 0
    cpm_token_claims   a consumer-presented token pays once (primary key)
    idempotency_records one record per (scope, key) (primary key)

Constraint names follow ``NAMING``; ``connection.py`` maps the money constraints' names to
typed errors, so renaming one is a migration and a change there.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from qrpay.adapters.db.types import JsonText, UtcDateTime

NAMING: Final = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
ID_CHARS_MAX: Final = 64
CODE_CHARS_MAX: Final = 32

metadata = MetaData(naming_convention=NAMING)


def _id(name: str, *args: object, **kwargs: object) -> Column[str]:
    return Column(name, String(ID_CHARS_MAX), *args, **kwargs)  # type: ignore[arg-type]


def _code(name: str) -> Column[str]:
    return Column(name, String(CODE_CHARS_MAX), nullable=False)


def _money(name: str) -> Column[int]:
    return Column(name, BigInteger, nullable=False)


def _currency() -> Column[str]:
    return Column("currency", String(3), nullable=False)


accounts = Table(
    "accounts",
    metadata,
    _id("id", primary_key=True),
    _code("kind"),
    _currency(),
    Column("debits_must_not_exceed_credits", Boolean, nullable=False),
    _money("debits_pending"),
    _money("debits_posted"),
    _money("credits_pending"),
    _money("credits_posted"),
    # The target of the transfers' composite keys: a leg's account has the leg's currency.
    UniqueConstraint("id", "currency"),
    CheckConstraint("debits_pending >= 0", name="debits_pending_nonnegative"),
    CheckConstraint("debits_posted >= 0", name="debits_posted_nonnegative"),
    CheckConstraint("credits_pending >= 0", name="credits_pending_nonnegative"),
    CheckConstraint("credits_posted >= 0", name="credits_posted_nonnegative"),
    CheckConstraint(
        "NOT debits_must_not_exceed_credits OR debits_posted + debits_pending <= credits_posted",
        name="debits_within_credits",
    ),
)

transfers = Table(
    "transfers",
    metadata,
    _id("id", primary_key=True),
    _id("debit_account_id", nullable=False),
    _id("credit_account_id", nullable=False),
    _money("amount_minor"),
    _money("amount_posted_minor"),
    _currency(),
    _code("code"),
    _code("status"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("timeout_at", UtcDateTime, nullable=True),
    _id("payment_id", nullable=True),
    ForeignKeyConstraint(["debit_account_id", "currency"], ["accounts.id", "accounts.currency"]),
    ForeignKeyConstraint(["credit_account_id", "currency"], ["accounts.id", "accounts.currency"]),
    CheckConstraint("amount_minor > 0", name="amount_positive"),
    CheckConstraint("debit_account_id <> credit_account_id", name="accounts_differ"),
    CheckConstraint(
        "amount_posted_minor >= 0 AND amount_posted_minor <= amount_minor",
        name="posted_within_amount",
    ),
    CheckConstraint(
        "(status = 'posted' AND amount_posted_minor > 0)"
        " OR (status <> 'posted' AND amount_posted_minor = 0)",
        name="posted_amount_matches_status",
    ),
    CheckConstraint("status IN ('pending', 'posted', 'voided', 'expired')", name="status_known"),
    Index(None, "debit_account_id"),
    Index(None, "credit_account_id"),
    Index(None, "payment_id"),
)

merchants = Table(
    "merchants",
    metadata,
    _id("id", primary_key=True),
    Column("legal_name", Text, nullable=False),
    Column("display_name", Text, nullable=False),
    Column("city", Text, nullable=False),
    Column("country", String(2), nullable=False),
    Column("mcc", String(4), nullable=False),
    _currency(),
    _id("account_id", ForeignKey("accounts.id"), nullable=False),
    _code("status"),
    Column("created_at", UtcDateTime, nullable=False),
)

stores = Table(
    "stores",
    metadata,
    _id("id", primary_key=True),
    _id("merchant_id", ForeignKey("merchants.id"), nullable=False),
    Column("name", Text, nullable=False),
    Index(None, "merchant_id"),
)

terminals = Table(
    "terminals",
    metadata,
    _id("id", primary_key=True),
    _id("store_id", ForeignKey("stores.id"), nullable=False),
    _id("merchant_id", ForeignKey("merchants.id"), nullable=False),
    Column("label", Text, nullable=False),
    Index(None, "store_id"),
)

wallets = Table(
    "wallets",
    metadata,
    _id("id", primary_key=True),
    Column("name", Text, nullable=False),
    _currency(),
    _id("account_id", ForeignKey("accounts.id"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    _id("id", primary_key=True),
    _id("merchant_id", ForeignKey("merchants.id"), nullable=False),
    Column("key_hash", String(ID_CHARS_MAX), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
)

wallet_tokens = Table(
    "wallet_tokens",
    metadata,
    _id("id", primary_key=True),
    _id("wallet_id", ForeignKey("wallets.id"), nullable=False),
    Column("token_hash", String(ID_CHARS_MAX), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=True),
)

checkouts = Table(
    "checkouts",
    metadata,
    _id("id", primary_key=True),
    _id("merchant_id", ForeignKey("merchants.id"), nullable=False),
    _money("amount_minor"),
    _currency(),
    Column("reference", Text, nullable=False),
    _code("status"),
    Column("qr_payload", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    _id("terminal_id", ForeignKey("terminals.id"), nullable=True),
    # No foreign key to payments: payments.checkout_id points the other way, and a cycle
    # of keys cannot be created on PostgreSQL without ALTER, which SQLite lacks.
    _id("payment_id", nullable=True),
    CheckConstraint("amount_minor > 0", name="amount_positive"),
    Index(None, "merchant_id"),
)

payments = Table(
    "payments",
    metadata,
    _id("id", primary_key=True),
    _id("merchant_id", ForeignKey("merchants.id"), nullable=False),
    _money("amount_minor"),
    _currency(),
    _code("source"),
    _code("status"),
    Column("created_at", UtcDateTime, nullable=False),
    _id("wallet_id", ForeignKey("wallets.id"), nullable=True),
    _id("checkout_id", ForeignKey("checkouts.id"), nullable=True),
    _money("amount_captured_minor"),
    _money("amount_refunded_minor"),
    Column("route", JsonText, nullable=True),
    CheckConstraint("amount_minor > 0", name="amount_positive"),
    CheckConstraint("amount_refunded_minor >= 0", name="refunded_nonnegative"),
    CheckConstraint(
        "amount_refunded_minor <= amount_captured_minor", name="refunded_within_captured"
    ),
    CheckConstraint("amount_captured_minor <= amount_minor", name="captured_within_amount"),
    Index(None, "merchant_id", "id"),
    Index(None, "wallet_id", "id"),
)

attempts = Table(
    "attempts",
    metadata,
    _id("id", primary_key=True),
    _id("payment_id", ForeignKey("payments.id"), nullable=False),
    Column("position", Integer, nullable=False),
    _code("connector"),
    _code("status"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("network_code", String(CODE_CHARS_MAX), nullable=True),
    UniqueConstraint("payment_id", "position"),
)

refunds = Table(
    "refunds",
    metadata,
    _id("id", primary_key=True),
    _id("payment_id", ForeignKey("payments.id"), nullable=False),
    _money("amount_minor"),
    _currency(),
    _code("status"),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("amount_minor > 0", name="amount_positive"),
    Index(None, "payment_id"),
)

payment_events = Table(
    "payment_events",
    metadata,
    # SQLite numbers rows itself only for a column declared exactly INTEGER PRIMARY KEY.
    Column(
        "seq",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    _id("payment_id", ForeignKey("payments.id"), nullable=False),
    _code("kind"),
    Column("data", JsonText, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index(None, "payment_id"),
)

cpm_token_claims = Table(
    "cpm_token_claims",
    metadata,
    Column("token_id", String(128), primary_key=True),
    # Deferred: the service claims the token before it stores the payment, in one
    # transaction; the payment must exist by the time that transaction commits.
    _id(
        "payment_id",
        ForeignKey("payments.id", deferrable=True, initially="DEFERRED"),
        nullable=False,
    ),
)

idempotency_records = Table(
    "idempotency_records",
    metadata,
    Column("scope", String(128), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(ID_CHARS_MAX), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("response_status", Integer, nullable=True),
    Column("response_body", LargeBinary, nullable=True),
    Index(None, "expires_at"),
)

# --- merchant notifications (revision 0003_notifications) --------------------------------
# The outbox: one row per event, written in the transaction of the change it describes.
# ``position`` is given by the relay, one relay at a time, so positions follow the order in
# which events became visible; ``GET /v1/events`` pages by it and never skips a late commit.
events = Table(
    "events",
    metadata,
    Column(
        "seq",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    _id("id", nullable=False, unique=True),
    _id("merchant_id", ForeignKey("merchants.id"), nullable=False),
    _code("type"),
    _id("object_id", nullable=False),
    Column("data", JsonText, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("position", BigInteger, nullable=True, unique=True),
    Column("relayed_at", UtcDateTime, nullable=True),
    Index(None, "merchant_id", "position"),
)

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    _id("id", primary_key=True),
    _id("merchant_id", ForeignKey("merchants.id"), nullable=False),
    Column("url", Text, nullable=False),
    Column("event_types", JsonText, nullable=False),
    Column("description", Text, nullable=True),
    _code("status"),
    Column("disabled_reason", String(CODE_CHARS_MAX), nullable=True),
    Column("disabled_at", UtcDateTime, nullable=True),
    Column("last_success_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("status IN ('enabled', 'disabled', 'deleted')", name="status_known"),
    Index(None, "merchant_id"),
)

# No secret is stored: each is derived from the key store's ``webhooks`` key (its version
# here) and the endpoint's id and generation; see services/webhook_secrets.py.
webhook_secrets = Table(
    "webhook_secrets",
    metadata,
    _id("endpoint_id", ForeignKey("webhook_endpoints.id"), primary_key=True),
    Column("generation", Integer, primary_key=True, autoincrement=False),
    Column("key_version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=True),
    CheckConstraint("generation >= 1", name="generation_positive"),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    _id("id", primary_key=True),
    _id("event_id", ForeignKey("events.id"), nullable=False),
    _id("endpoint_id", ForeignKey("webhook_endpoints.id"), nullable=False),
    _id("merchant_id", ForeignKey("merchants.id"), nullable=False),
    _code("origin"),
    _code("status"),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("first_attempt_at", UtcDateTime, nullable=True),
    Column("last_attempt_at", UtcDateTime, nullable=True),
    Column("last_status_code", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("completed_at", UtcDateTime, nullable=True),
    Column("dead_reason", String(CODE_CHARS_MAX), nullable=True),
    # The lease: a worker owns a claimed delivery until ``locked_until``; a worker that
    # dies leaves a lease that simply runs out, and the delivery is claimed again.
    Column("locked_until", UtcDateTime, nullable=True),
    Column("locked_by", String(ID_CHARS_MAX), nullable=True),
    CheckConstraint("status IN ('pending', 'succeeded', 'dead')", name="status_known"),
    CheckConstraint("attempts >= 0", name="attempts_nonnegative"),
    CheckConstraint(
        "(status = 'pending') = (next_attempt_at IS NOT NULL)", name="pending_has_next_attempt"
    ),
    Index(None, "status", "next_attempt_at"),
    Index(None, "merchant_id", "status", "id"),
    Index(None, "event_id"),
    Index(None, "endpoint_id", "status"),
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    _id("delivery_id", ForeignKey("webhook_deliveries.id"), primary_key=True),
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("duration_ms", Integer, nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("error", Text, nullable=True),
    _id("worker", nullable=False),
)
