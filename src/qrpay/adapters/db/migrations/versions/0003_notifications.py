"""merchant notifications: the event outbox, webhook endpoints, secrets, deliveries, attempts

Revision ID: 0003_notifications
Revises: 0001
Create Date: 2026-11-30

Written by hand and frozen, like 0001: it must not import the current ``schema.py``. Other
branches add revisions on 0001 in parallel; a merge revision joins the heads.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from qrpay.adapters.db.types import JsonText, UtcDateTime

revision = "0003_notifications"
down_revision = "0001"
branch_labels = None
depends_on = None

_ID = 64
_CODE = 32


def _id(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(_ID), nullable=nullable)


def _code(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(_CODE), nullable=nullable)


def _at(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, UtcDateTime(), nullable=nullable)


def _pk(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*columns, name=f"pk_{table}")


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}")


def _check(table: str, name: str, condition: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(condition, name=op.f(f"ck_{table}_{name}"))


def _index(table: str, *columns: str) -> None:
    op.create_index(f"ix_{table}_{'_'.join(columns)}", table, list(columns))


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        _id("id"),
        _id("merchant_id"),
        _code("type"),
        _id("object_id"),
        sa.Column("data", JsonText(), nullable=False),
        _at("created_at"),
        sa.Column("position", sa.BigInteger(), nullable=True),
        _at("relayed_at", nullable=True),
        _pk("events", "seq"),
        _fk("events", "merchant_id", "merchants"),
        sa.UniqueConstraint("id", name="uq_events_id"),
        sa.UniqueConstraint("position", name="uq_events_position"),
    )
    _index("events", "merchant_id", "position")
    op.create_table(
        "webhook_endpoints",
        _id("id"),
        _id("merchant_id"),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("event_types", JsonText(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        _code("status"),
        _code("disabled_reason", nullable=True),
        _at("disabled_at", nullable=True),
        _at("last_success_at", nullable=True),
        _at("created_at"),
        _at("updated_at"),
        _pk("webhook_endpoints", "id"),
        _fk("webhook_endpoints", "merchant_id", "merchants"),
        _check("webhook_endpoints", "status_known", "status IN ('enabled', 'disabled', 'deleted')"),
    )
    _index("webhook_endpoints", "merchant_id")
    op.create_table(
        "webhook_secrets",
        _id("endpoint_id"),
        sa.Column("generation", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key_version", sa.Integer(), nullable=False),
        _at("created_at"),
        _at("expires_at", nullable=True),
        _pk("webhook_secrets", "endpoint_id", "generation"),
        _fk("webhook_secrets", "endpoint_id", "webhook_endpoints"),
        _check("webhook_secrets", "generation_positive", "generation >= 1"),
    )
    _deliveries()


def _deliveries() -> None:
    op.create_table(
        "webhook_deliveries",
        _id("id"),
        _id("event_id"),
        _id("endpoint_id"),
        _id("merchant_id"),
        _code("origin"),
        _code("status"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _at("next_attempt_at", nullable=True),
        _at("created_at"),
        _at("first_attempt_at", nullable=True),
        _at("last_attempt_at", nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _at("completed_at", nullable=True),
        _code("dead_reason", nullable=True),
        _at("locked_until", nullable=True),
        _id("locked_by", nullable=True),
        _pk("webhook_deliveries", "id"),
        _fk("webhook_deliveries", "event_id", "events"),
        _fk("webhook_deliveries", "endpoint_id", "webhook_endpoints"),
        _fk("webhook_deliveries", "merchant_id", "merchants"),
        _check("webhook_deliveries", "status_known", "status IN ('pending', 'succeeded', 'dead')"),
        _check("webhook_deliveries", "attempts_nonnegative", "attempts >= 0"),
        _check(
            "webhook_deliveries",
            "pending_has_next_attempt",
            "(status = 'pending') = (next_attempt_at IS NOT NULL)",
        ),
    )
    _index("webhook_deliveries", "status", "next_attempt_at")
    _index("webhook_deliveries", "merchant_id", "status", "id")
    _index("webhook_deliveries", "event_id")
    _index("webhook_deliveries", "endpoint_id", "status")
    op.create_table(
        "webhook_attempts",
        _id("delivery_id"),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        _at("started_at"),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        _id("worker"),
        _pk("webhook_attempts", "delivery_id", "number"),
        _fk("webhook_attempts", "delivery_id", "webhook_deliveries"),
    )


def downgrade() -> None:
    for table in (
        "webhook_attempts",
        "webhook_deliveries",
        "webhook_secrets",
        "webhook_endpoints",
        "events",
    ):
        op.drop_table(table)
