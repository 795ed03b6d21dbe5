"""Assemble the gateway from settings. The only place that picks embedded or production parts.

Embedded: SQLite in the data directory and the in-process session store. Production:
``QRPAY_DATABASE_URL=postgresql://...`` and ``QRPAY_REDIS_URL=redis://...``. Each server
worker calls ``app_factory`` after the fork, so connection pools (and, later, HSM sessions)
are opened in the process that uses them.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from fastapi import FastAPI

from qrpay.adapters.audit_file import DEFAULT_FILE as AUDIT_FILE
from qrpay.adapters.audit_file import JsonlAuditLog
from qrpay.adapters.clock import SystemClock
from qrpay.adapters.db.store import SqlStore
from qrpay.adapters.db.url import async_url
from qrpay.adapters.keystore.factory import keystore_from_settings
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
from qrpay.domain.settlement import BusinessDayRule, parse_cutoff
from qrpay.domain.webhook_urls import UrlPolicy
from qrpay.observability import logs
from qrpay.services.audit import AuditTrail, KeyedSealer
from qrpay.services.back_office import BackOffice
from qrpay.services.context import Context
from qrpay.services.webhook_secrets import WebhookSecrets
from qrpay.services.webhooks import WebhookSettings
from qrpay.workers.assembly import embedded_loops


@dataclass
class Gateway:
    settings: Settings
    store: SqlStore
    sessions: SessionStore
    ctx: Context
    api_state: ApiState
    back_office: BackOffice | None = None

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

    back_office = back_office_from_settings(settings, clock.now)
    api_state = ApiState(
        back_office=back_office,
        ctx=ctx,
        tokens=sessions,
        operator_key_hash=credential_hash(settings.operator_key.get_secret_value(), pepper),
        ready=ready,
        channels=sessions,
        limits=Limits(
            request_body_bytes_max=settings.request_body_bytes_max,
            idempotency_ttl_s=settings.idempotency_ttl_s,
            live_poll_s=settings.live_poll_s,
        ),
    )
    return Gateway(settings, store, sessions, ctx, api_state, back_office)


def back_office_from_settings(settings: Settings, now: Callable[[], datetime]) -> BackOffice:
    """Webhook secrets from the key store, the URL policy, the audit trail, the business day."""
    keys = keystore_from_settings(settings)
    sealer = KeyedSealer(keys)
    sealer.ensure_key()
    urls = UrlPolicy(
        require_https=not settings.demo,
        allow_private_networks=settings.webhook_allow_private_networks,
    )
    webhooks = WebhookSettings(
        WebhookSecrets(keys), urls, secret_overlap_s=settings.webhook_secret_overlap_s
    )
    audit = AuditTrail(JsonlAuditLog(settings.data_dir / AUDIT_FILE), sealer, now)
    rule = BusinessDayRule(
        settings.business_day_timezone, parse_cutoff(settings.business_day_cutoff)
    )
    return BackOffice(webhooks, audit, rule)


def app_for(gateway: Gateway) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await gateway.store.check_migrated()
        try:
            # Embedded mode relays events and delivers webhooks in the server process.
            async with embedded_loops(gateway):
                yield
        finally:
            await gateway.aclose()

    return create_app(gateway.api_state, lifespan=lifespan)


def app_factory() -> FastAPI:
    """What ``qrpay serve`` hands to uvicorn: one gateway per worker process."""
    settings = load_settings()
    logs.configure(settings.log_level, json=settings.log_json)
    return app_for(build(settings))
