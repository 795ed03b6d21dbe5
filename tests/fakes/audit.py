"""An in-memory audit log with the storage port's contract, for service tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

from qrpay.domain.audit import AuditEntry
from qrpay.domain.errors import AuditAppendConflict


class InMemoryAuditLog:
    def __init__(self) -> None:
        self.rows: list[AuditEntry] = []

    async def append(self, entry: AuditEntry) -> None:
        head_seq = self.rows[-1].seq if self.rows else 0
        if entry.seq != head_seq + 1:
            raise AuditAppendConflict(f"entry {entry.seq} does not follow {head_seq}")
        self.rows.append(entry)

    async def head(self) -> AuditEntry | None:
        return self.rows[-1] if self.rows else None

    async def entries(self) -> AsyncIterator[AuditEntry]:
        for entry in list(self.rows):
            yield entry
