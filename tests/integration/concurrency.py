"""Release many calls at the same moment, to test what must be atomic."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import anyio

T = TypeVar("T")


async def all_at_once(calls: Sequence[Callable[[], Awaitable[T]]]) -> list[T]:
    """Start one task per call, let them all wait on one event, set it; results in call order."""
    results: list[T | None] = [None] * len(calls)
    go = anyio.Event()

    async def run(index: int) -> None:
        await go.wait()
        results[index] = await calls[index]()

    async with anyio.create_task_group() as tasks:
        for index in range(len(calls)):
            tasks.start_soon(run, index)
        await anyio.sleep(0)  # let every task reach the event
        go.set()
    return results  # type: ignore[return-value]  # every slot was filled
