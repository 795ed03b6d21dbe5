"""Routing: which networks can reach the merchant of a code, and which one to use.

Pure and data-driven: it knows connector names and what a code says, never a connector
itself. Payments call routing; routing never calls a network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qrpay.domain.errors import NoRoute
from qrpay.domain.qr.profiles import PaymentView, Scheme


@dataclass(frozen=True, slots=True)
class Candidate:
    connector: str
    network: str
    """The scheme or card network that the connector reaches the merchant through."""
    account: str | None


@dataclass(frozen=True, slots=True)
class RouteDecision:
    candidates: tuple[Candidate, ...]
    chosen: Candidate
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "candidates": [
                {"connector": c.connector, "network": c.network} for c in self.candidates
            ],
            "chosen": self.chosen.connector,
            "network": self.chosen.network,
            "reason": self.reason,
        }


def candidates_for(view: PaymentView, connector_by_network: dict[str, str]) -> list[Candidate]:
    """Every network named in the code that some configured connector serves, in code order."""
    found: list[Candidate] = []
    for network in view.networks:
        connector = connector_by_network.get(network.name)
        if connector is not None and all(c.connector != connector for c in found):
            found.append(Candidate(connector, network.name, network.account))
    return found


def choose_route(candidates: list[Candidate]) -> RouteDecision:
    """The first candidate: the on-us network, when present, comes first (no network fee)."""
    if not candidates:
        raise NoRoute("no configured network can reach this merchant")
    ordered = sorted(candidates, key=lambda c: c.network != Scheme.QRPAY.value)
    chosen = ordered[0]
    reason = (
        "on-us: payer and merchant share this ledger"
        if chosen.network == Scheme.QRPAY
        else ("first network in the code served by a connector")
    )
    return RouteDecision(tuple(candidates), chosen, reason)
