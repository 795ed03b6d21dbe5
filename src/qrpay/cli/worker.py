"""``qrpay worker``: the background loops: outbox relay, webhook delivery, checkout expiry.

Run one or more beside the servers (production: a worker service; any number of them:
deliveries are leased, so two workers never attempt the same one at once). SIGTERM stops
each loop after its current step; an attempt under way finishes first (at most
``QRPAY_WEBHOOK_ATTEMPT_TIMEOUT_MS``).
"""

from __future__ import annotations

import asyncio

import click

from qrpay.bootstrap import Gateway, build, load_settings
from qrpay.observability import logs
from qrpay.workers.assembly import LOOP_NAMES, default_worker_id, run_worker


@click.command()
@click.option(
    "--only",
    multiple=True,
    type=click.Choice(LOOP_NAMES),
    help="Run only this loop (repeat for several). Default: all of them.",
)
@click.option(
    "--worker-id",
    default=None,
    help="Name on the leases this worker takes (default: HOST:PID).",
)
def worker(only: tuple[str, ...], worker_id: str | None) -> None:
    """Relay outbox events, deliver webhooks, expire checkouts; until SIGTERM.

    \b
    Loops: relay (publish events, queue deliveries), webhooks (attempt due
    deliveries), checkouts (expire checkouts past their expiry, with an event).
    """
    settings = load_settings()
    logs.configure(settings.log_level, json=settings.log_json)
    gateway = build(settings)
    names = only or LOOP_NAMES
    asyncio.run(_run(gateway, names, worker_id or default_worker_id()))


async def _run(gateway: Gateway, names: tuple[str, ...], worker_id: str) -> None:
    try:
        await run_worker(gateway, names, worker_id)
    finally:
        await gateway.aclose()
