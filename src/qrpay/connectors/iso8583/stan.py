"""STANs (field 11): 000001 to 999999 per UTC day, never handed out twice in a day.

``StanAllocator`` is the port; ``FileStanAllocator`` keeps its state in one small JSON file
until the shared database has a table for it. It reserves STANs in blocks: the file
records the end of the block in use, written to a temporary file, fsync'd, renamed over
the old one and the folder fsync'd, so after a crash or a restart allocation resumes
after the block and never reuses a STAN; at most one block of STANs is skipped. The day
is the UTC date of the transmission time the caller passes, the same one it puts in
field 7; a new day starts again at 000001. A clock that steps back across midnight keeps
the later day, so no STAN is reused. One file serves one process; instances that share a
terminal need the database-backed allocator that comes with storage.
"""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final, Protocol

from qrpay.connectors.base import ConnectorUnavailable

STAN_MIN: Final = 1
STAN_MAX: Final = 999_999
STAN_BLOCK_SIZE: Final = 100
"""STANs reserved per file write: one fsync per hundred requests, at most 99 skipped."""


class StanAllocator(Protocol):
    async def allocate(self, at: datetime) -> str:
        """A STAN for a message transmitted at ``at``, as six digits."""
        ...


class FileStanAllocator:
    def __init__(self, path: Path, block_size: int = STAN_BLOCK_SIZE) -> None:
        assert 1 <= block_size <= STAN_MAX
        self._path = path
        self._block_size = block_size
        self._lock = asyncio.Lock()
        self._day: date | None = None
        self._next = STAN_MIN
        self._reserved_to = 0
        self._loaded = False

    async def allocate(self, at: datetime) -> str:
        assert at.tzinfo is not None, "aware times only"
        async with self._lock:
            if not self._loaded:
                await asyncio.to_thread(self._load)
            day = at.astimezone(UTC).date()
            if self._day is None or day > self._day:
                self._day, self._next, self._reserved_to = day, STAN_MIN, 0
            if self._next > self._reserved_to:
                await self._reserve()
            stan = self._next
            self._next += 1
            assert STAN_MIN <= stan <= self._reserved_to <= STAN_MAX
            return f"{stan:06d}"

    async def _reserve(self) -> None:
        if self._next > STAN_MAX:
            raise ConnectorUnavailable(f"all {STAN_MAX} STANs of {self._day} are used")
        reserved_to = min(STAN_MAX, self._next + self._block_size - 1)
        assert self._day is not None
        await asyncio.to_thread(self._write, self._day, reserved_to)
        self._reserved_to = reserved_to

    def _load(self) -> None:
        self._loaded = True
        if not self._path.exists():
            return
        state = json.loads(self._path.read_text(encoding="utf-8"))
        self._day = date.fromisoformat(state["day"])
        self._reserved_to = int(state["reserved_to"])
        # Whatever was reserved before the restart may have been sent: start after it.
        self._next = self._reserved_to + 1

    def _write(self, day: date, reserved_to: int) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"day": day.isoformat(), "reserved_to": reserved_to})
        temporary = self._path.with_name(self._path.name + ".tmp")
        with temporary.open("w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self._path)
        folder = os.open(self._path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
