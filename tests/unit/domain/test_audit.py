"""The audit hash chain: every kind of tampering is caught at the first bad entry."""

from __future__ import annotations

import hashlib
import hmac
import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from qrpay.domain.audit import (
    GENESIS_HASH,
    AuditEntry,
    AuditRecord,
    ChainSealer,
    ChainVerifier,
    Sha256Sealer,
    canonical,
    next_entry,
)
from qrpay.domain.errors import AuditChainBroken

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


class HmacSealer:
    """A keyed sealer without a key store: what the service does, in miniature."""

    def __init__(self, key: bytes) -> None:
        self.key = key

    def seal(self, data: bytes) -> tuple[int, str]:
        return 1, hmac.new(self.key, data, hashlib.sha256).hexdigest()

    def matches(self, data: bytes, chain_hash: str, key_version: int) -> bool:
        return key_version == 1 and hmac.compare_digest(self.seal(data)[1], chain_hash)


SEALER = HmacSealer(b"k" * 32)


def _chain(count: int, sealer: ChainSealer = SEALER) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    for n in range(count):
        record = AuditRecord(
            "operator",
            "merchant.updated",
            f"m_{n}",
            START + timedelta(minutes=n),
            before={"name": "Old"},
            after={"name": f"New {n}"},
        )
        entries.append(next_entry(entries[-1] if entries else None, record, sealer))
    return entries


def _first_fault(entries: list[AuditEntry], sealer: ChainSealer = SEALER) -> AuditChainBroken:
    verifier = ChainVerifier(sealer)
    for entry in entries:
        try:
            verifier.check(entry)
        except AuditChainBroken as fault:
            return fault
    raise AssertionError("the chain verified")


def test_an_untouched_chain_verifies_to_its_head() -> None:
    entries = _chain(5)
    verifier = ChainVerifier(SEALER)

    for entry in entries:
        verifier.check(entry)

    assert verifier.head.count == 5
    assert verifier.head.chain_hash == entries[-1].chain_hash
    assert entries[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.chain_hash for a, b in itertools.pairwise(entries))


def test_an_edited_entry_is_named() -> None:
    entries = _chain(5)
    record = replace(entries[2].record, after={"name": "Mallory"})
    entries[2] = replace(entries[2], record=record)

    fault = _first_fault(entries)

    assert (fault.seq, fault.position) == (3, 2)
    assert "edited" in fault.message


def test_a_deleted_entry_is_named_by_the_one_after_the_gap() -> None:
    entries = _chain(5)
    del entries[2]

    fault = _first_fault(entries)

    assert (fault.seq, fault.position) == (4, 2)
    assert "entry 3 belongs here" in fault.message


def test_reordered_entries_are_named_at_the_first_out_of_place() -> None:
    entries = _chain(5)
    entries[1], entries[3] = entries[3], entries[1]

    fault = _first_fault(entries)

    assert (fault.seq, fault.position) == (4, 1)


def test_an_inserted_entry_is_named_even_when_it_links_and_numbers_itself_right() -> None:
    # given a forger who cannot compute the keyed hash, but links and numbers the entry
    entries = _chain(5)
    forged_record = AuditRecord("mallory", "key.exported", "card-data", START)
    forged = next_entry(entries[1], forged_record, HmacSealer(b"guess" * 7))
    later = [replace(e, seq=e.seq + 1) for e in entries[2:]]

    fault = _first_fault([*entries[:2], forged, *later])

    assert (fault.seq, fault.position) == (3, 2)


def test_a_chain_recomputed_without_the_key_fails_at_the_first_changed_entry() -> None:
    entries = _chain(4)
    record = replace(entries[1].record, actor="someone else")
    rebuilt = entries[:1]
    for entry in [replace(entries[1], record=record), *entries[2:]]:
        rebuilt.append(next_entry(rebuilt[-1], entry.record, Sha256Sealer()))

    fault = _first_fault(rebuilt)

    assert fault.position == 1


def test_an_unkeyed_chain_catches_edits_too() -> None:
    entries = _chain(3, Sha256Sealer())
    entries[0] = replace(entries[0], record=replace(entries[0].record, target="m_x"))

    assert _first_fault(entries, Sha256Sealer()).position == 0


def test_the_canonical_form_is_sorted_compact_json() -> None:
    record = AuditRecord("op", "a", "t", START, before={"b": 1, "a": 2}, after=None)

    assert canonical(1, record, GENESIS_HASH) == (
        b'{"action":"a","actor":"op","after":null,"at":"2026-11-24T09:00:00+00:00",'
        b'"before":{"a":2,"b":1},"prev_hash":"' + GENESIS_HASH.encode() + b'","seq":1,'
        b'"target":"t"}'
    )


def test_a_naive_time_is_a_programmer_error() -> None:
    with pytest.raises(AssertionError):
        AuditRecord("op", "a", "t", datetime(2026, 1, 1))  # noqa: DTZ001 - the point
