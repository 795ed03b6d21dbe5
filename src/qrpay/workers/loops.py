"""Named background loops, run by ``qrpay worker`` (or inside ``qrpay serve``, embedded).

A loop repeats one bounded step: a step that found work runs again at once; one that found
none waits ``idle_ms`` (or until another loop wakes it: the relay wakes the deliverer the
moment it queued deliveries, which keeps the first attempt well within a second of the
commit). A step that raises is logged and retried after ``error_pause_ms``, doubling up to
``error_pause_ms_max``: a database that is down for a minute costs a minute, not a crash.
``stop`` ends every loop after its current step (graceful shutdown on SIGTERM).

    relay      publish outbox events, queue their webhook deliveries
    webhooks   attempt due webhook deliveries
    checkouts  expire checkouts past their expiry, with a checkout.expired event
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Final

from qrpay.observability.logs import log

Step = Callable[[], Awaitable[int]]

ERROR_PAUSE_MS: Final = 500
ERROR_PAUSE_MS_MAX: Final = 30_000


@dataclass
class Loop:
    name: str
    step: Step
    idle_ms: int
    wakes: list[str] = field(default_factory=list)
    """Loops to wake whenever a step of this one did some work."""
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        assert 1 <= self.idle_ms <= 60_000


async def run_loops(loops: list[Loop], stop: asyncio.Event) -> None:
    """Run every loop until ``stop`` is set; then let each finish its step and return."""
    by_name = {loop.name: loop for loop in loops}
    assert len(by_name) == len(loops), "loop names are unique"
    async with asyncio.TaskGroup() as group:
        for loop in loops:
            woken = [by_name[name].wake for name in loop.wakes if name in by_name]
            group.create_task(_run(loop, woken, stop), name=f"loop-{loop.name}")


async def _run(loop: Loop, woken: list[asyncio.Event], stop: asyncio.Event) -> None:
    log.info("worker.loop_started", loop=loop.name)
    pause_ms = ERROR_PAUSE_MS
    while not stop.is_set():
        try:
            done = await loop.step()
        except Exception:
            log.exception("worker.step_failed", loop=loop.name, pause_ms=pause_ms)
            await _wait(stop, loop.wake, pause_ms)
            pause_ms = min(pause_ms * 2, ERROR_PAUSE_MS_MAX)
            continue
        pause_ms = ERROR_PAUSE_MS
        if done:
            for event in woken:
                event.set()
            continue
        await _wait(stop, loop.wake, loop.idle_ms)
    log.info("worker.loop_stopped", loop=loop.name)


async def _wait(stop: asyncio.Event, wake: asyncio.Event, timeout_ms: int) -> None:
    """Sleep until stopped, woken, or ``timeout_ms`` passed."""
    stopped = asyncio.ensure_future(stop.wait())
    woken = asyncio.ensure_future(wake.wait())
    try:
        await asyncio.wait(
            {stopped, woken}, timeout=timeout_ms / 1000, return_when="FIRST_COMPLETED"
        )
    finally:
        for task in (stopped, woken):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    wake.clear()
