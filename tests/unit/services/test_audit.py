"""The audit trail service: appends linked entries, survives a lost race, verifies."""

from __future__ import annotations

import pytest

from qrpay.adapters.keystore.software import SoftwareKeyStore
from qrpay.domain.audit import AuditEntry
from qrpay.services.audit import AUDIT_KEY, AuditTrail, KeyedSealer
from tests.fakes.audit import InMemoryAuditLog
from tests.fakes.clock import FakeClock


@pytest.fixture
def keys() -> SoftwareKeyStore:
    store = SoftwareKeyStore(bytes(range(32)), path=None)
    KeyedSealer(store).ensure_key()
    return store


async def test_recorded_actions_form_a_chain_that_verifies(keys: SoftwareKeyStore) -> None:
    log = InMemoryAuditLog()
    trail = AuditTrail(log, KeyedSealer(keys), FakeClock().now)

    first = await trail.record("operator", "merchant.created", "m_1", after={"name": "Ana"})
    second = await trail.record("operator", "api_key.revoked", "k_1")

    assert (first.seq, second.seq) == (1, 2)
    assert second.prev_hash == first.chain_hash
    assert (await trail.verify()).count == 2


async def test_the_chain_still_verifies_after_its_key_rotates(keys: SoftwareKeyStore) -> None:
    trail = AuditTrail(InMemoryAuditLog(), KeyedSealer(keys), FakeClock().now)
    await trail.record("operator", "a", "t")

    keys.rotate(AUDIT_KEY)
    entry = await trail.record("operator", "b", "t")

    assert entry.key_version == 2
    assert (await trail.verify()).count == 2


class RacedLog(InMemoryAuditLog):
    """Another writer appends just before our first append: we must relink, not fork."""

    def __init__(self, rival: AuditTrail | None = None) -> None:
        super().__init__()
        self.rival = rival

    async def append(self, entry: AuditEntry) -> None:
        if self.rival is not None:
            rival, self.rival = self.rival, None
            await rival.record("rival", "raced", "t")
        await super().append(entry)


async def test_an_append_that_loses_a_race_links_to_the_winner(keys: SoftwareKeyStore) -> None:
    log = RacedLog()
    sealer = KeyedSealer(keys)
    log.rival = AuditTrail(log, sealer, FakeClock().now)
    trail = AuditTrail(log, sealer, FakeClock().now)

    entry = await trail.record("operator", "mine", "t")

    assert [e.record.actor for e in log.rows] == ["rival", "operator"]
    assert entry.seq == 2
    assert (await trail.verify()).count == 2
