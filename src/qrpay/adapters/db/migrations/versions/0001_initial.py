"""initial schema: ledger, merchants, wallets, credentials, checkouts, payments, idempotency

Revision ID: 0001
Revises:
Create Date: 2026-11-24

Written by hand and frozen: it must not import the current ``schema.py``, which moves on.
A test checks that the revisions, applied in order, yield exactly that schema.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from qrpay.adapters.db.types import JsonText, UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_ID = 64
_CODE = 32


def _id(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(_ID), nullable=nullable)


def _code(name: str) -> sa.Column[str]:
    return sa.Column(name, sa.String(_CODE), nullable=False)


def _money(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger(), nullable=False)


def _at(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, UtcDateTime(), nullable=nullable)


def _currency() -> sa.Column[str]:
    return sa.Column("currency", sa.String(3), nullable=False)


def _pk(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*columns, name=f"pk_{table}")


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}")


def _check(table: str, name: str, condition: str) -> sa.CheckConstraint:
    # op.f: the name is final; the naming convention must not prefix it again.
    return sa.CheckConstraint(condition, name=op.f(f"ck_{table}_{name}"))


def _index(table: str, *columns: str, unique: bool = False) -> None:
    prefix = "uq" if unique else "ix"
    name = f"{prefix}_{table}_{'_'.join(columns)}"
    op.create_index(name, table, list(columns), unique=unique)


def upgrade() -> None:
    _ledger()
    _parties()
    _payments()
    _idempotency()


def _ledger() -> None:
    op.create_table(
        "accounts",
        _id("id"),
        _code("kind"),
        _currency(),
        sa.Column("debits_must_not_exceed_credits", sa.Boolean(), nullable=False),
        _money("debits_pending"),
        _money("debits_posted"),
        _money("credits_pending"),
        _money("credits_posted"),
        _pk("accounts", "id"),
        sa.UniqueConstraint("id", "currency", name="uq_accounts_id_currency"),
        _check("accounts", "debits_pending_nonnegative", "debits_pending >= 0"),
        _check("accounts", "debits_posted_nonnegative", "debits_posted >= 0"),
        _check("accounts", "credits_pending_nonnegative", "credits_pending >= 0"),
        _check("accounts", "credits_posted_nonnegative", "credits_posted >= 0"),
        _check(
            "accounts",
            "debits_within_credits",
            "NOT debits_must_not_exceed_credits"
            " OR debits_posted + debits_pending <= credits_posted",
        ),
    )
    op.create_table(
        "transfers",
        _id("id"),
        _id("debit_account_id"),
        _id("credit_account_id"),
        _money("amount_minor"),
        _money("amount_posted_minor"),
        _currency(),
        _code("code"),
        _code("status"),
        _at("created_at"),
        _at("timeout_at", nullable=True),
        _id("payment_id", nullable=True),
        _pk("transfers", "id"),
        sa.ForeignKeyConstraint(
            ["debit_account_id", "currency"],
            ["accounts.id", "accounts.currency"],
            name="fk_transfers_debit_account_id_currency_accounts",
        ),
        sa.ForeignKeyConstraint(
            ["credit_account_id", "currency"],
            ["accounts.id", "accounts.currency"],
            name="fk_transfers_credit_account_id_currency_accounts",
        ),
        _check("transfers", "amount_positive", "amount_minor > 0"),
        _check("transfers", "accounts_differ", "debit_account_id <> credit_account_id"),
        _check(
            "transfers",
            "posted_within_amount",
            "amount_posted_minor >= 0 AND amount_posted_minor <= amount_minor",
        ),
        _check(
            "transfers",
            "posted_amount_matches_status",
            "(status = 'posted' AND amount_posted_minor > 0)"
            " OR (status <> 'posted' AND amount_posted_minor = 0)",
        ),
        _check("transfers", "status_known", "status IN ('pending', 'posted', 'voided', 'expired')"),
    )
    _index("transfers", "debit_account_id")
    _index("transfers", "credit_account_id")
    _index("transfers", "payment_id")


def _parties() -> None:
    op.create_table(
        "merchants",
        _id("id"),
        sa.Column("legal_name", sa.Text(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("city", sa.Text(), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("mcc", sa.String(4), nullable=False),
        _currency(),
        _id("account_id"),
        _code("status"),
        _at("created_at"),
        _pk("merchants", "id"),
        _fk("merchants", "account_id", "accounts"),
    )
    op.create_table(
        "stores",
        _id("id"),
        _id("merchant_id"),
        sa.Column("name", sa.Text(), nullable=False),
        _pk("stores", "id"),
        _fk("stores", "merchant_id", "merchants"),
    )
    _index("stores", "merchant_id")
    op.create_table(
        "terminals",
        _id("id"),
        _id("store_id"),
        _id("merchant_id"),
        sa.Column("label", sa.Text(), nullable=False),
        _pk("terminals", "id"),
        _fk("terminals", "store_id", "stores"),
        _fk("terminals", "merchant_id", "merchants"),
    )
    _index("terminals", "store_id")
    op.create_table(
        "wallets",
        _id("id"),
        sa.Column("name", sa.Text(), nullable=False),
        _currency(),
        _id("account_id"),
        _at("created_at"),
        _pk("wallets", "id"),
        _fk("wallets", "account_id", "accounts"),
    )
    op.create_table(
        "api_keys",
        _id("id"),
        _id("merchant_id"),
        sa.Column("key_hash", sa.String(_ID), nullable=False),
        _at("created_at"),
        _at("revoked_at", nullable=True),
        _pk("api_keys", "id"),
        _fk("api_keys", "merchant_id", "merchants"),
        sa.UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
    )
    op.create_table(
        "wallet_tokens",
        _id("id"),
        _id("wallet_id"),
        sa.Column("token_hash", sa.String(_ID), nullable=False),
        _at("created_at"),
        _at("expires_at", nullable=True),
        _pk("wallet_tokens", "id"),
        _fk("wallet_tokens", "wallet_id", "wallets"),
        sa.UniqueConstraint("token_hash", name="uq_wallet_tokens_token_hash"),
    )


def _payments() -> None:
    op.create_table(
        "checkouts",
        _id("id"),
        _id("merchant_id"),
        _money("amount_minor"),
        _currency(),
        sa.Column("reference", sa.Text(), nullable=False),
        _code("status"),
        sa.Column("qr_payload", sa.Text(), nullable=False),
        _at("created_at"),
        _at("expires_at"),
        _id("terminal_id", nullable=True),
        _id("payment_id", nullable=True),
        _pk("checkouts", "id"),
        _fk("checkouts", "merchant_id", "merchants"),
        _fk("checkouts", "terminal_id", "terminals"),
        _check("checkouts", "amount_positive", "amount_minor > 0"),
    )
    _index("checkouts", "merchant_id")
    op.create_table(
        "payments",
        _id("id"),
        _id("merchant_id"),
        _money("amount_minor"),
        _currency(),
        _code("source"),
        _code("status"),
        _at("created_at"),
        _id("wallet_id", nullable=True),
        _id("checkout_id", nullable=True),
        _money("amount_captured_minor"),
        _money("amount_refunded_minor"),
        sa.Column("route", JsonText(), nullable=True),
        _pk("payments", "id"),
        _fk("payments", "merchant_id", "merchants"),
        _fk("payments", "wallet_id", "wallets"),
        _fk("payments", "checkout_id", "checkouts"),
        _check("payments", "amount_positive", "amount_minor > 0"),
        _check("payments", "refunded_nonnegative", "amount_refunded_minor >= 0"),
        _check(
            "payments",
            "refunded_within_captured",
            "amount_refunded_minor <= amount_captured_minor",
        ),
        _check("payments", "captured_within_amount", "amount_captured_minor <= amount_minor"),
    )
    _index("payments", "merchant_id", "id")
    _index("payments", "wallet_id", "id")
    op.create_table(
        "attempts",
        _id("id"),
        _id("payment_id"),
        sa.Column("position", sa.Integer(), nullable=False),
        _code("connector"),
        _code("status"),
        _at("created_at"),
        sa.Column("network_code", sa.String(_CODE), nullable=True),
        _pk("attempts", "id"),
        _fk("attempts", "payment_id", "payments"),
        sa.UniqueConstraint("payment_id", "position", name="uq_attempts_payment_id_position"),
    )
    op.create_table(
        "refunds",
        _id("id"),
        _id("payment_id"),
        _money("amount_minor"),
        _currency(),
        _code("status"),
        _at("created_at"),
        _pk("refunds", "id"),
        _fk("refunds", "payment_id", "payments"),
        _check("refunds", "amount_positive", "amount_minor > 0"),
    )
    _index("refunds", "payment_id")
    op.create_table(
        "payment_events",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        _id("payment_id"),
        _code("kind"),
        sa.Column("data", JsonText(), nullable=False),
        _at("created_at"),
        _pk("payment_events", "seq"),
        _fk("payment_events", "payment_id", "payments"),
    )
    _index("payment_events", "payment_id")
    op.create_table(
        "cpm_token_claims",
        sa.Column("token_id", sa.String(128), nullable=False),
        _id("payment_id"),
        _pk("cpm_token_claims", "token_id"),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name="fk_cpm_token_claims_payment_id_payments",
            deferrable=True,
            initially="DEFERRED",
        ),
    )


def _idempotency() -> None:
    op.create_table(
        "idempotency_records",
        sa.Column("scope", sa.String(128), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(_ID), nullable=False),
        _at("created_at"),
        _at("expires_at"),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        _pk("idempotency_records", "scope", "key"),
    )
    _index("idempotency_records", "expires_at")


def downgrade() -> None:
    for table in (
        "idempotency_records",
        "cpm_token_claims",
        "payment_events",
        "refunds",
        "attempts",
        "payments",
        "checkouts",
        "wallet_tokens",
        "api_keys",
        "wallets",
        "terminals",
        "stores",
        "merchants",
        "transfers",
        "accounts",
    ):
        op.drop_table(table)
