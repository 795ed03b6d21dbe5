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
from tests.fakes.clock import FakeClock
from tests.fakes.tokens import FakeTokens
from tests.fakes.uow import FakeStore

GUI = "ORG.QRPAY"


@dataclass
class Harness:
    ctx: Context
    store: FakeStore
    clock: FakeClock
    tokens: FakeTokens


def harness(seed: int = 7) -> Harness:
    clock = FakeClock()
    store = FakeStore()
    ctx = Context(
        uow=store,
        now=clock.now,
        ids=IdGenerator(clock.now, random.Random(seed)),
        pepper=b"test-pepper",
        gateway=GatewayTemplate(GUI),
        registry=DEFAULT_REGISTRY.with_profile(qrpay_profile.profile(GUI)),
        connectors={"onus": OnusWalletConnector()},
        connector_by_network={"qrpay": "onus"},
        public_url="http://127.0.0.1:8000",
    )
    return Harness(ctx, store, clock, FakeTokens(clock))
