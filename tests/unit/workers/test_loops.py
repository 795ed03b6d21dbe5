"""Named loops: work runs again at once, idleness waits, a failure pauses, stop ends all."""

from __future__ import annotations

import asyncio

from qrpay.workers.loops import Loop, run_loops


async def test_loops_run_wake_each_other_survive_errors_and_stop() -> None:
    stop = asyncio.Event()
    calls = {"relay": 0, "webhooks": 0}
    woken = asyncio.Event()

    async def relay() -> int:
        calls["relay"] += 1
        if calls["relay"] == 1:
            raise RuntimeError("database away")  # logged, paused, retried
        return 1 if calls["relay"] == 2 else 0

    async def webhooks() -> int:
        calls["webhooks"] += 1
        if calls["relay"] >= 2:
            woken.set()
        return 0

    loops = [
        Loop("relay", relay, idle_ms=10_000, wakes=["webhooks"]),
        Loop("webhooks", webhooks, idle_ms=10_000),
    ]
    runner = asyncio.create_task(run_loops(loops, stop))
    # the relay's second step did work and woke the deliverer long before its 10 s idle
    await asyncio.wait_for(woken.wait(), 5)
    stop.set()
    await asyncio.wait_for(runner, 5)
    assert calls["relay"] >= 2
    assert calls["webhooks"] >= 2
