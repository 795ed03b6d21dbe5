"""The audit trail's hash chain: entries, their canonical form, and the verifier.

Each entry's hash covers its canonical serialisation (JSON, sorted keys, no spaces) which
includes its sequence number and the previous entry's hash. So an edited entry no longer
matches its hash, a deleted one leaves a gap in the numbers and a broken link, a reordered
or inserted one sits out of sequence. ``ChainVerifier`` reads entries in order and names
the first one that is wrong.

The hash is a keyed MAC (a ``ChainSealer``; production uses HMAC-SHA256 under a key-store
key), so whoever can write the table cannot recompute the chain after tampering; the key
version used travels with each entry, so the key can rotate. Dropping the newest entries
leaves a valid, shorter chain: compare the head with a copy kept elsewhere to catch that.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Protocol

from qrpay.domain.errors import AuditChainBroken

GENESIS_HASH: Final = "0" * 64
"""What the first entry links to."""

JsonValue = Any
"""A value that ``json.dumps`` takes as it is (dicts, lists, str, int, bool, None)."""


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """What happened: who did what to which object, and the object before and after."""

    actor: str
    action: str
    target: str
    at: datetime
    before: JsonValue = None
    after: JsonValue = None

    def __post_init__(self) -> None:
        assert self.at.tzinfo is not None, "audit times are UTC, never naive"
        assert self.actor
        assert self.action


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    record: AuditRecord
    prev_hash: str
    chain_hash: str
    key_version: int
    """The sealer's key version that made ``chain_hash`` (0: unkeyed SHA-256)."""


class ChainSealer(Protocol):
    def seal(self, data: bytes) -> tuple[int, str]:
        """(key version, hex digest) of ``data``."""
        ...

    def matches(self, data: bytes, chain_hash: str, key_version: int) -> bool: ...


class Sha256Sealer:
    """Unkeyed: catches accidents and clumsy edits, not someone who recomputes the chain."""

    def seal(self, data: bytes) -> tuple[int, str]:
        return 0, hashlib.sha256(data).hexdigest()

    def matches(self, data: bytes, chain_hash: str, key_version: int) -> bool:
        return key_version == 0 and hashlib.sha256(data).hexdigest() == chain_hash


def canonical(seq: int, record: AuditRecord, prev_hash: str) -> bytes:
    """The bytes that are hashed: stable across runs, platforms and key order."""
    document = {
        "seq": seq,
        "prev_hash": prev_hash,
        "actor": record.actor,
        "action": record.action,
        "target": record.target,
        "at": record.at.isoformat(),
        "before": record.before,
        "after": record.after,
    }
    text = json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def next_entry(head: AuditEntry | None, record: AuditRecord, sealer: ChainSealer) -> AuditEntry:
    seq = 1 if head is None else head.seq + 1
    prev_hash = GENESIS_HASH if head is None else head.chain_hash
    key_version, chain_hash = sealer.seal(canonical(seq, record, prev_hash))
    entry = AuditEntry(seq, record, prev_hash, chain_hash, key_version)
    assert sealer.matches(canonical(seq, record, prev_hash), chain_hash, key_version)
    return entry


@dataclass(frozen=True, slots=True)
class ChainHead:
    count: int
    chain_hash: str


class ChainVerifier:
    """Feed entries in the order they are stored; ``check`` raises at the first bad one."""

    def __init__(self, sealer: ChainSealer) -> None:
        self._sealer = sealer
        self._position = 0
        self._head = ChainHead(0, GENESIS_HASH)

    @property
    def head(self) -> ChainHead:
        return self._head

    def check(self, entry: AuditEntry) -> None:
        expected = self._head.count + 1
        if entry.seq != expected:
            self._broken(
                entry, f"entry {expected} belongs here: entries were deleted, reordered or inserted"
            )
        if entry.prev_hash != self._head.chain_hash:
            self._broken(entry, "it does not link to the entry before it")
        data = canonical(entry.seq, entry.record, entry.prev_hash)
        if not self._sealer.matches(data, entry.chain_hash, entry.key_version):
            self._broken(entry, "its content does not match its hash: it was edited")
        self._head = ChainHead(entry.seq, entry.chain_hash)
        self._position += 1

    def _broken(self, entry: AuditEntry, why: str) -> None:
        raise AuditChainBroken(
            f"entry {entry.seq} at position {self._position + 1}: {why}",
            seq=entry.seq,
            position=self._position,
        )
