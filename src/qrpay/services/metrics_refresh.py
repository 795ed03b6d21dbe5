"""Gauges read from the database when Prometheus scrapes, rather than kept in memory."""

from __future__ import annotations

from typing import Protocol

from qrpay.domain.errors import StorageError
from qrpay.observability import metrics
from qrpay.observability.logs import log
from qrpay.services.context import Context


class HasContext(Protocol):
    @property
    def ctx(self) -> Context: ...


async def refresh_backlog(state: HasContext) -> None:
    """``qrpay_webhook_backlog``: pending deliveries, one COUNT; a scrape never fails on it."""
    try:
        async with state.ctx.uow() as uow:
            metrics.WEBHOOK_BACKLOG.set(await uow.webhooks.backlog())
    except StorageError as exc:
        log.warning("metrics.backlog_unavailable", error=exc.code)
