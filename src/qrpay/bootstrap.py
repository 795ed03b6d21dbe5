"""Assemble the gateway from settings. The only place that picks embedded or production parts.

Embedded: SQLite in the data directory and the in-process session store. Production:
``QRPAY_DATABASE_URL=postgresql://...`` and ``QRPAY_REDIS_URL=redis://...``. Each server
worker calls ``app_factory`` after the fork, so connection pools (and, later, HSM sessions)
are opened in the process that uses them.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI

from qrpay.adapters.clock import SystemClock
from qrpay.adapters.db.store import SqlStore
from qrpay.adapters.db.url import async_url
from qrpay.adapters.session_store.base import SessionStore
from qrpay.adapters.session_store.factory import session_store_from_url
from qrpay.api.app import create_app
from qrpay.api.state import ApiState, Limits
from qrpay.config import Settings, with_embedded_secrets
from qrpay.connectors.onus_wallet.connector import NAME as ONUS
from qrpay.connectors.onus_wallet.connector import OnusWalletConnector
from qrpay.domain.checkouts import GatewayTemplate
from qrpay.domain.credentials import credential_hash
from qrpay.domain.ids import IdGenerator
from qrpay.domain.qr.profiles import DEFAULT_REGISTRY, Scheme
from qrpay.domain.qr.profiles import qrpay as qrpay_profile
from qrpay.observability import logs
from qrpay.services.context import Context


@dataclass
class Gateway:
    settings: Settings
    store: SqlStore
    sessions: SessionStore
    ctx: Context
    api_state: ApiState

    async def aclose(self) -> None:
        await self.sessions.close()
        await self.store.dispose()


def load_settings() -> Settings:
    settings, _ = with_embedded_secrets(Settings())
    return settings


def build(settings: Settings, *, seed: int | None = None) -> Gateway:
    """Wire every part; ``seed`` makes ids reproducible (tests, replays)."""
    assert settings.operator_key is not None, "load_settings() fills the secrets"
    assert settings.credential_pepper is not None
    clock = SystemClock()
    store = SqlStore(async_url(settings.effective_database_url))
    sessions = session_store_from_url(
        settings.redis_url, prefix=settings.session_prefix, clock=clock
    )
    # Ids are not secrets (credentials come from ``secrets``); a seed replays a run's ids.
    rng = random.Random(seed) if seed is not None else random.SystemRandom()  # noqa: S311
    pepper = settings.credential_pepper.get_secret_value().encode()
    ctx = Context(
        uow=store,
        now=clock.now,
        ids=IdGenerator(clock.now, rng),
        pepper=pepper,
        gateway=GatewayTemplate(settings.qr_gui, settings.qr_template_id),
        registry=DEFAULT_REGISTRY.with_profile(qrpay_profile.profile(settings.qr_gui)),
        connectors={ONUS: OnusWalletConnector()},
        connector_by_network={Scheme.QRPAY.value: ONUS},
        public_url=settings.public_url,
        cpm_token_ttl_s=settings.cpm_token_ttl_s,
    )

    async def ready() -> None:
        await store.ping()
        await sessions.ping()

    api_state = ApiState(
        ctx=ctx,
        tokens=sessions,
        operator_key_hash=credential_hash(settings.operator_key.get_secret_value(), pepper),
        ready=ready,
        channels=sessions,
        limits=Limits(
            request_body_bytes_max=settings.request_body_bytes_max,
            idempotency_ttl_s=settings.idempotency_ttl_s,
        ),
    )
    return Gateway(settings, store, sessions, ctx, api_state)


def app_for(gateway: Gateway) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await gateway.store.check_migrated()
        try:
            yield
        finally:
            await gateway.aclose()

    return create_app(gateway.api_state, lifespan=lifespan)


def app_factory() -> FastAPI:
    """What ``qrpay serve`` hands to uvicorn: one gateway per worker process."""
    settings = load_settings()
    logs.configure(settings.log_level, json=settings.log_json)
    return app_for(build(settings))
