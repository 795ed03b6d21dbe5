"""A service context over fakes: in-memory storage, a fake clock, seeded ids."""

from __future__ import annotations

import random
from dataclasses import dataclass

from qrpay.connectors.onus_wallet.connector import OnusWalletConnector
from qrpay.domain.checkouts import GatewayTemplate
from qrpay.domain.ids import IdGenerator
from qrpay.domain.qr.profiles import DEFAULT_REGISTRY
from qrpay.domain.qr.profiles import qrpay as qrpay_profile
from qrpay.services.context import Context
from qrpay.services.payments import OneTimeTokens
from qrpay.services.unit_of_work import UnitOfWorkFactory
from tests.fakes.clock import FakeClock
from tests.fakes.tokens import FakeTokens
from tests.fakes.uow import FakeStore

GUI = "ORG.QRPAY"


@dataclass
class Harness:
    ctx: Context
    clock: FakeClock
    tokens: OneTimeTokens


def harness(
    seed: int = 7,
    *,
    store: UnitOfWorkFactory | None = None,
    tokens: OneTimeTokens | None = None,
    clock: FakeClock | None = None,
) -> Harness:
    """A context over fakes, or over the store and tokens a test brings (SQL, Redis)."""
    clock = clock or FakeClock()
    ctx = Context(
        uow=store or FakeStore(),
        now=clock.now,
        ids=IdGenerator(clock.now, random.Random(seed)),
        pepper=b"test-pepper",
        gateway=GatewayTemplate(GUI),
        registry=DEFAULT_REGISTRY.with_profile(qrpay_profile.profile(GUI)),
        connectors={"onus": OnusWalletConnector()},
        connector_by_network={"qrpay": "onus"},
        public_url="http://127.0.0.1:8000",
    )
    return Harness(ctx, clock, tokens or FakeTokens(clock))
