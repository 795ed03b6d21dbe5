"""One-time tokens in a dict, expiring by a fake clock: the session-store port's fake."""

from __future__ import annotations

from datetime import timedelta

from tests.fakes.clock import FakeClock


class FakeTokens:
    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.values: dict[str, tuple[bytes, object]] = {}

    async def put(self, key: str, value: bytes, ttl_ms: int) -> None:
        self.values[key] = (value, self.clock.now() + timedelta(milliseconds=ttl_ms))

    async def take(self, key: str) -> bytes | None:
        found = self.values.pop(key, None)
        if found is None or found[1] <= self.clock.now():  # type: ignore[operator]
            return None
        return found[0]
