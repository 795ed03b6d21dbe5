"""The order in which the store locks rows, owned here so that it is the same everywhere.

Two transactions that lock the same rows in different orders can deadlock. Every
repository call that changes money therefore locks in this order:

  1. the row it decides on, with a guarded UPDATE (a transfer being posted or voided, a
     payment being refunded, a checkout being paid, an idempotency key being inserted);
  2. account rows, in ascending id order (``account_lock_order``), one guarded UPDATE each.

Within one repository call this holds by construction. A unit of work that makes several
ledger calls could still meet another in a cycle; PostgreSQL then aborts one of the two
(``Unavailable``, safe to retry) rather than let both wait. SQLite never gets there: a
transaction takes the database's write lock at BEGIN.

``qrpay migrate`` runs under a PostgreSQL advisory lock so that instances started together
apply each revision once.
"""

from __future__ import annotations

from typing import Final, TypeVar

from qrpay.domain.ids import AccountId

MIGRATION_ADVISORY_LOCK_KEY: Final = 0x717270_6179  # "qrpay" in ASCII, as one bigint

T = TypeVar("T")


def account_lock_order(deltas: dict[AccountId, T]) -> list[tuple[AccountId, T]]:
    """The accounts of a batch and their changes, in the order their rows must be locked."""
    return sorted(deltas.items())
