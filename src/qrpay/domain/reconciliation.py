"""Reconciliation: a network's end-of-day report against the gateway's records, one engine.

Each network's parser turns its report into ``NetworkRecord``s; the gateway's side is a
list of ``GatewayRecord``s (attempts and refunds that went over that network in the window).
Both carry a ``key``, the network's id of the transaction, which the parsers and the
gateway reader agree on (docs/adr/0005-outbox-and-webhooks.md lists them per network).
Only what moves money is compared: a decline on both sides, or on one side with nothing on
the other, moved nothing and is not a mismatch.

    both sides, money moved on both, same amount and currency   -> matched
    gateway moved money, the network did not (absent/declined) -> missing_at_network
                                                                   (declined: status_mismatch)
    network moved money, the gateway has no record              -> missing_at_gateway
    both moved money, amounts or currencies differ              -> amount_mismatch
    network moved money, the gateway says declined or unknown   -> status_mismatch
                                                                   ("late approval")

A gateway record whose outcome is ``unknown`` is resolved by the report: approved when the
network moved the money, failed otherwise. ``Reconciliation.resolutions`` lists them; the
service settles each (and audits it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final, TypeVar

RECORDS_MAX: Final = 1_000_000


class RecordKind(StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"


class GatewayOutcome(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"
    UNKNOWN = "unknown"


class MismatchKind(StrEnum):
    MISSING_AT_NETWORK = "missing_at_network"
    MISSING_AT_GATEWAY = "missing_at_gateway"
    AMOUNT_MISMATCH = "amount_mismatch"
    STATUS_MISMATCH = "status_mismatch"


@dataclass(frozen=True, slots=True)
class NetworkRecord:
    key: str
    kind: RecordKind
    amount_minor: int
    currency: str
    moved: bool
    """The network settled it: approved and not reversed."""
    status: str
    """The network's own word for it ("approved", "reversed", "BOOK"...)."""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class GatewayRecord:
    key: str
    kind: RecordKind
    amount_minor: int
    currency: str
    outcome: GatewayOutcome
    payment_id: str
    record_id: str
    """The attempt id (a payment) or the refund id (a refund)."""

    @property
    def moved(self) -> bool:
        return self.outcome is GatewayOutcome.APPROVED

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind.value,
            "amount_minor": self.amount_minor,
            "currency": self.currency,
            "outcome": self.outcome.value,
            "payment_id": self.payment_id,
            "record_id": self.record_id,
        }


@dataclass(frozen=True, slots=True)
class Mismatch:
    kind: MismatchKind
    key: str
    gateway: GatewayRecord | None
    network: NetworkRecord | None

    def as_dict(self) -> dict[str, Any]:
        network = None
        if self.network is not None:
            network = {
                "key": self.network.key,
                "kind": self.network.kind.value,
                "amount_minor": self.network.amount_minor,
                "currency": self.network.currency,
                "status": self.network.status,
                "raw": self.network.raw,
            }
        return {
            "kind": self.kind.value,
            "key": self.key,
            "gateway": None if self.gateway is None else self.gateway.as_dict(),
            "network": network,
        }


@dataclass(frozen=True, slots=True)
class Resolution:
    """An unknown gateway outcome that the report settles."""

    gateway: GatewayRecord
    approved: bool
    network: NetworkRecord | None


@dataclass(frozen=True, slots=True)
class Reconciliation:
    matched: int
    mismatches: tuple[Mismatch, ...]
    resolutions: tuple[Resolution, ...]

    def count(self, kind: MismatchKind) -> int:
        return sum(1 for m in self.mismatches if m.kind is kind)


_R = TypeVar("_R", GatewayRecord, NetworkRecord)


def reconcile(gateway: Iterable[GatewayRecord], network: Iterable[NetworkRecord]) -> Reconciliation:
    ours = _by_key(gateway, "gateway")
    theirs = _by_key(network, "network")
    matched = 0
    mismatches: list[Mismatch] = []
    resolutions: list[Resolution] = []
    for key in sorted(ours.keys() | theirs.keys()):
        g, n = ours.get(key), theirs.get(key)
        if g is not None and g.outcome is GatewayOutcome.UNKNOWN:
            resolutions.append(Resolution(g, n is not None and n.moved, n))
        kind = _compare(g, n)
        if kind is None:
            matched += int(g is not None and n is not None)
        else:
            mismatches.append(Mismatch(kind, key, g, n))
    return Reconciliation(matched, tuple(mismatches), tuple(resolutions))


def _compare(g: GatewayRecord | None, n: NetworkRecord | None) -> MismatchKind | None:
    """The one mismatch a pair makes, or None when they agree (or nothing moved)."""
    gateway_moved = g is not None and g.moved
    network_moved = n is not None and n.moved
    if not gateway_moved and not network_moved:
        return None
    if g is None:
        return MismatchKind.MISSING_AT_GATEWAY
    if n is None:
        return MismatchKind.MISSING_AT_NETWORK
    if gateway_moved != network_moved:
        return MismatchKind.STATUS_MISMATCH
    if (g.amount_minor, g.currency) != (n.amount_minor, n.currency):
        return MismatchKind.AMOUNT_MISMATCH
    return None


def _by_key(records: Iterable[_R], side: str) -> dict[str, _R]:
    found: dict[str, _R] = {}
    for record in records:
        assert record.key, f"a {side} record without a key"
        assert record.key not in found, f"{side} key {record.key} twice"
        assert len(found) < RECORDS_MAX
        found[record.key] = record
    return found
