"""The worker's loops, built from a gateway: for ``qrpay worker`` and for embedded ``serve``.

``LOOPS`` names every loop a worker can run (``qrpay worker --only NAME`` picks some); a new
background job adds a builder here. In embedded mode (no ``QRPAY_DATABASE_URL``, or
``QRPAY_WORKER_IN_PROCESS=true``) ``qrpay serve`` runs them inside each server process, so
a newcomer's demo sends webhooks without a second command; the locking makes several
processes safe either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from qrpay.adapters.webhooks.sender import HttpSender, SenderLimits
from qrpay.domain.webhooks import RetryPolicy
from qrpay.observability.logs import log
from qrpay.services.delivery import Deliverer, DeliveryConfig, expire_checkouts_once, relay_once
from qrpay.workers.loops import Loop, run_loops

if TYPE_CHECKING:
    from qrpay.bootstrap import Gateway

RELAY_IDLE_MS: Final = 100
WEBHOOKS_IDLE_MS: Final = 250
CHECKOUTS_IDLE_MS: Final = 5_000
STOP_GRACE_S: Final = 30.0
LOOP_NAMES: Final = ("relay", "webhooks", "checkouts")


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


@dataclass
class Worker:
    loops: list[Loop]
    sender: HttpSender

    async def aclose(self) -> None:
        await self.sender.aclose()


def build_worker(gateway: Gateway, names: tuple[str, ...], worker_id: str) -> Worker:
    assert set(names) <= set(LOOP_NAMES), names
    back_office = gateway.back_office
    assert back_office is not None
    settings = gateway.settings
    timeout_ms = settings.webhook_attempt_timeout_ms
    sender = HttpSender(
        back_office.webhooks.urls,
        SenderLimits(timeout_ms, settings.webhook_response_bytes_max),
        back_office.webhooks.resolver,
    )
    policy = RetryPolicy(retry_horizon_ms=settings.webhook_retry_horizon_s * 1000)
    deliverer = Deliverer(
        gateway.ctx,
        back_office.webhooks,
        sender,
        DeliveryConfig(worker_id, policy, attempt_timeout_ms=timeout_ms),
    )
    ctx = gateway.ctx
    builders: dict[str, Callable[[], Loop]] = {
        "relay": lambda: Loop("relay", lambda: relay_once(ctx), RELAY_IDLE_MS, ["webhooks"]),
        "webhooks": lambda: Loop("webhooks", deliverer.deliver_once, WEBHOOKS_IDLE_MS),
        "checkouts": lambda: Loop(
            "checkouts", lambda: expire_checkouts_once(ctx), CHECKOUTS_IDLE_MS, ["relay"]
        ),
    }
    return Worker([builders[name]() for name in names], sender)


def in_process(gateway: Gateway) -> bool:
    chosen = gateway.settings.worker_in_process
    return gateway.settings.database_url is None if chosen is None else chosen


@contextlib.asynccontextmanager
async def embedded_loops(gateway: Gateway) -> AsyncIterator[None]:
    """Run every loop beside the server while the block runs (embedded mode only)."""
    if not in_process(gateway) or gateway.back_office is None:
        yield
        return
    worker = build_worker(gateway, LOOP_NAMES, default_worker_id())
    stop = asyncio.Event()
    task = asyncio.create_task(run_loops(worker.loops, stop), name="embedded-worker")
    log.info("worker.embedded", loops=list(LOOP_NAMES))
    try:
        yield
    finally:
        stop.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(task, STOP_GRACE_S)
        await worker.aclose()


async def run_worker(gateway: Gateway, names: tuple[str, ...], worker_id: str) -> None:
    """``qrpay worker``: run until SIGTERM or SIGINT, then finish the steps under way."""
    await gateway.store.check_migrated()
    worker = build_worker(gateway, names, worker_id)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker.started", worker_id=worker_id, loops=list(names))
    try:
        await run_loops(worker.loops, stop)
    finally:
        await worker.aclose()
        log.info("worker.stopped", worker_id=worker_id)
