"""An event loop on a thread of its own, for synchronous test code that has to await.

Session fixtures and hypothesis state machines are synchronous; the tests around them run
in pytest-asyncio's loops, which ``asyncio.run`` on the main thread would disturb. A
``LoopThread`` keeps its loop (and whatever engine lives on it) for as long as it is open.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from types import TracebackType
from typing import Any, Final, Self, TypeVar

T = TypeVar("T")
CALL_TIMEOUT_S: Final = 120.0


class LoopThread:
    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(CALL_TIMEOUT_S)
        self._loop.close()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(CALL_TIMEOUT_S)


def run_once(coroutine: Coroutine[Any, Any, T]) -> T:
    with LoopThread() as loop:
        return loop.run(coroutine)
