"""The audit trail: record privileged actions on a hash chain, and verify the chain.

``AuditLog`` is the storage port. Its ``append`` must refuse an entry whose number is not
the head's plus one (``AuditAppendConflict``; a SQL table does it with a unique key on the
number), so two writers racing cannot fork the chain: the loser re-reads the head and
tries again, a bounded number of times.

``KeyedSealer`` hashes with HMAC-SHA256 under the key store's ``audit-chain`` key. Never
retire its versions: entries sealed under a retired version no longer verify.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Final, Protocol

from qrpay.adapters.keystore.base import KeyKind, KeyStore
from qrpay.domain.audit import (
    AuditEntry,
    AuditRecord,
    ChainHead,
    ChainSealer,
    ChainVerifier,
    JsonValue,
    next_entry,
)
from qrpay.domain.errors import AuditAppendConflict, KeyNotFound, KeyRetired, VerificationFailed

AUDIT_KEY: Final = "audit-chain"
APPEND_ATTEMPTS_MAX: Final = 5


class AuditLog(Protocol):
    async def append(self, entry: AuditEntry) -> None: ...

    async def head(self) -> AuditEntry | None: ...

    def entries(self) -> AsyncIterator[AuditEntry]:
        """Every entry in stored order (by number in SQL, by line in a file)."""
        ...


class KeyedSealer:
    def __init__(self, keys: KeyStore, name: str = AUDIT_KEY) -> None:
        self._keys = keys
        self._name = name

    def ensure_key(self) -> None:
        """Create the chain key on first use (embedded mode); production creates it ahead."""
        try:
            self._keys.current_version(self._name)
        except KeyNotFound:
            self._keys.create(self._name, KeyKind.HMAC)

    def seal(self, data: bytes) -> tuple[int, str]:
        version, mac = self._keys.hmac_sign(self._name, data)
        return version, mac.hex()

    def matches(self, data: bytes, chain_hash: str, key_version: int) -> bool:
        try:
            mac = bytes.fromhex(chain_hash)
            self._keys.hmac_verify(self._name, data, mac, key_version)
        except (ValueError, VerificationFailed, KeyRetired, KeyNotFound):
            return False
        return True


class AuditTrail:
    def __init__(self, log: AuditLog, sealer: ChainSealer, now: Callable[[], datetime]) -> None:
        self._log = log
        self._sealer = sealer
        self._now = now

    async def record(
        self,
        actor: str,
        action: str,
        target: str,
        *,
        before: JsonValue = None,
        after: JsonValue = None,
    ) -> AuditEntry:
        record = AuditRecord(actor, action, target, self._now(), before, after)
        for _ in range(APPEND_ATTEMPTS_MAX):
            entry = next_entry(await self._log.head(), record, self._sealer)
            try:
                await self._log.append(entry)
            except AuditAppendConflict:
                continue  # another writer took this number: link to its entry instead
            return entry
        raise AuditAppendConflict(f"{APPEND_ATTEMPTS_MAX} appends in a row lost a race")

    async def verify(self) -> ChainHead:
        """The chain's head when every entry is sound; ``AuditChainBroken`` at the first
        that is not."""
        verifier = ChainVerifier(self._sealer)
        async for entry in self._log.entries():
            verifier.check(entry)
        return verifier.head
