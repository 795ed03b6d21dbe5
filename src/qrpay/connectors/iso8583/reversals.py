"""The durable reversal queue: a request whose outcome is unknown is taken back, surely.

Before the connector sends a 0100 or 0200 it *arms* a reversal for it (write-ahead). A
definite answer disarms it (the row goes); no answer makes it *due*. If the gateway dies
mid-request the row stays armed, and an armed row older than ``armed_stale_ms`` is due
too: that is how a reversal survives a crash between the request and the reversal.

The worker sends a due reversal as a 0400, then as 0401 repeats, until a 0410 comes back
(any response code: the network has the reversal), with an exponential backoff and at
most ``attempts_max`` transmissions; then the row is *abandoned* and left to the back
office's reconciliation, loudly. ``ReversalStore`` is the port; ``SqliteReversalStore``
keeps the queue in a SQLite file until the shared schema has a table for it.

    armed --answer--> (deleted)
    armed --no answer, or stale--> due --0410--> acknowledged
                                   due --attempts_max--> abandoned
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Final, Protocol

import structlog

from qrpay.connectors.iso8583.backoff import backoff_ms
from qrpay.connectors.iso8583.messages import SENSITIVE_FIELDS, Message
from qrpay.connectors.iso8583.spec import Mti, ReversalReason
from qrpay.connectors.iso8583.transport import TransportError

log = structlog.get_logger("qrpay.connectors.iso8583")


class ReversalStatus(StrEnum):
    ARMED = "armed"
    DUE = "due"
    ACKNOWLEDGED = "acknowledged"
    ABANDONED = "abandoned"


@dataclass(frozen=True, slots=True)
class Reversal:
    id: str
    original: Message
    """The request to take back, without card data (``SENSITIVE_FIELDS``)."""
    reason: ReversalReason
    status: ReversalStatus
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    payment_id: str = ""
    attempt_id: str = ""
    response_code: str | None = None

    @classmethod
    def of(
        cls,
        original: Message,
        reason: ReversalReason,
        status: ReversalStatus,
        at: datetime,
        payment_id: str = "",
        attempt_id: str = "",
    ) -> Reversal:
        kept = {n: v for n, v in original.fields.items() if n not in SENSITIVE_FIELDS}
        return cls(
            id=reversal_id(original),
            original=Message(original.mti, kept),
            reason=reason,
            status=status,
            attempts=0,
            next_attempt_at=at,
            created_at=at,
            payment_id=payment_id,
            attempt_id=attempt_id,
        )


def reversal_id(original: Message) -> str:
    """Terminal, transmission time and STAN: what makes a request unique at the network."""
    return f"{(original.get(41) or '').strip()}-{original.require(7)}-{original.stan}"


class ReversalStore(Protocol):
    async def arm(self, reversal: Reversal) -> None: ...
    async def disarm(self, reversal_id: str) -> None: ...
    async def make_due(self, reversal_id: str, at: datetime) -> None: ...
    async def enqueue(self, reversal: Reversal) -> None:
        """Add a due reversal; an armed one with the same id becomes due; others stay."""
        ...

    async def due(self, now: datetime, armed_before: datetime, limit: int) -> list[Reversal]: ...
    async def record_attempt(self, reversal_id: str, attempts: int, next_at: datetime) -> None: ...
    async def finish(
        self, reversal_id: str, status: ReversalStatus, code: str | None, attempts: int
    ) -> None: ...
    async def get(self, reversal_id: str) -> Reversal | None: ...


_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS iso8583_reversals (
    id TEXT PRIMARY KEY,
    original_mti TEXT NOT NULL,
    original_fields TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('armed', 'due', 'acknowledged', 'abandoned')),
    attempts INTEGER NOT NULL CHECK (attempts >= 0),
    next_attempt_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    payment_id TEXT NOT NULL,
    attempt_id TEXT NOT NULL,
    response_code TEXT
);
CREATE INDEX IF NOT EXISTS iso8583_reversals_due ON iso8583_reversals (status, next_attempt_at);
"""
_COLUMNS: Final = (
    "id, original_mti, original_fields, reason, status, attempts, next_attempt_at,"
    " created_at, payment_id, attempt_id, response_code"
)


def _time(at: datetime) -> str:
    # One fixed-width UTC form, so text order is time order in SQL.
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


class SqliteReversalStore:
    """The queue in one SQLite file (WAL, synchronous=FULL): every change is on disk first."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    async def _run(self, sql: str, args: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        def work() -> list[tuple[object, ...]]:
            with self._lock:
                return self._db.execute(sql, args).fetchall()

        return await asyncio.to_thread(work)

    async def arm(self, reversal: Reversal) -> None:
        assert reversal.status is ReversalStatus.ARMED
        await self._insert(reversal, "INSERT")

    async def enqueue(self, reversal: Reversal) -> None:
        assert reversal.status is ReversalStatus.DUE
        await self._insert(reversal, "INSERT OR IGNORE")
        await self.make_due(reversal.id, reversal.next_attempt_at)

    async def _insert(self, r: Reversal, verb: str) -> None:
        fields = json.dumps({str(n): v for n, v in r.original.fields.items()})
        await self._run(
            f"{verb} INTO iso8583_reversals ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                r.id,
                r.original.mti.value,
                fields,
                r.reason.value,
                r.status.value,
                r.attempts,
                _time(r.next_attempt_at),
                _time(r.created_at),
                r.payment_id,
                r.attempt_id,
                r.response_code,
            ),
        )

    async def disarm(self, reversal_id: str) -> None:
        await self._run(
            "DELETE FROM iso8583_reversals WHERE id = ? AND status = 'armed'", (reversal_id,)
        )

    async def make_due(self, reversal_id: str, at: datetime) -> None:
        await self._run(
            "UPDATE iso8583_reversals SET status = 'due', next_attempt_at = ?"
            " WHERE id = ? AND status = 'armed'",
            (_time(at), reversal_id),
        )

    async def due(self, now: datetime, armed_before: datetime, limit: int) -> list[Reversal]:
        rows = await self._run(
            f"SELECT {_COLUMNS} FROM iso8583_reversals"  # noqa: S608 - constant column list
            " WHERE (status = 'due' AND next_attempt_at <= ?)"
            " OR (status = 'armed' AND created_at <= ?)"
            " ORDER BY next_attempt_at LIMIT ?",
            (_time(now), _time(armed_before), limit),
        )
        return [_row(row) for row in rows]

    async def record_attempt(self, reversal_id: str, attempts: int, next_at: datetime) -> None:
        await self._run(
            "UPDATE iso8583_reversals SET status = 'due', attempts = ?, next_attempt_at = ?"
            " WHERE id = ? AND status IN ('armed', 'due')",
            (attempts, _time(next_at), reversal_id),
        )

    async def finish(
        self, reversal_id: str, status: ReversalStatus, code: str | None, attempts: int
    ) -> None:
        assert status in (ReversalStatus.ACKNOWLEDGED, ReversalStatus.ABANDONED)
        await self._run(
            "UPDATE iso8583_reversals SET status = ?, response_code = ?, attempts = ? WHERE id = ?",
            (status.value, code, attempts, reversal_id),
        )

    async def get(self, reversal_id: str) -> Reversal | None:
        rows = await self._run(
            f"SELECT {_COLUMNS} FROM iso8583_reversals WHERE id = ?",  # noqa: S608 - constant
            (reversal_id,),
        )
        return _row(rows[0]) if rows else None


def _row(row: tuple[object, ...]) -> Reversal:
    (rid, mti, fields, reason, status, attempts, next_at, created, pay, att, code) = row
    assert isinstance(fields, str)
    original = Message(Mti(str(mti)), {int(k): v for k, v in json.loads(fields).items()})
    assert isinstance(attempts, int)
    return Reversal(
        id=str(rid),
        original=original,
        reason=ReversalReason(str(reason)),
        status=ReversalStatus(str(status)),
        attempts=attempts,
        next_attempt_at=_parse_time(str(next_at)),
        created_at=_parse_time(str(created)),
        payment_id=str(pay),
        attempt_id=str(att),
        response_code=None if code is None else str(code),
    )


@dataclass(frozen=True, slots=True)
class ReversalPolicy:
    attempts_max: int = 20
    timeout_ms: int = 5_000
    """Per transmission of a 0400 or 0401."""
    backoff_ms_min: int = 500
    backoff_ms_max: int = 60_000
    poll_ms: int = 1_000
    armed_stale_ms: int = 30_000
    """An armed row older than this belongs to a request that died with its process."""
    batch_max: int = 50

    def __post_init__(self) -> None:
        assert self.attempts_max >= 1
        assert 0 < self.backoff_ms_min <= self.backoff_ms_max
        assert self.timeout_ms < self.armed_stale_ms


class ReversalSender(Protocol):
    async def send_reversal(self, reversal: Reversal, *, repeat: bool, timeout_ms: int) -> str:
        """Send the 0400 (or 0401 when ``repeat``); the 0410's field 39, or TransportError."""
        ...


class ReversalWorker:
    """Drains due reversals: on wake-up, every ``poll_ms``, and on demand (``attempt``)."""

    def __init__(
        self,
        store: ReversalStore,
        sender: ReversalSender,
        now: Callable[[], datetime],
        policy: ReversalPolicy | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self._sender = sender
        self._now = now
        self.policy = policy or ReversalPolicy()
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not a secret
        self._wake = asyncio.Event()
        self._busy: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        assert self._task is None, "started twice"
        self._task = asyncio.create_task(self._run(), name="iso8583-reversals")

    async def close(self) -> None:
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def run_once(self) -> int:
        """One pass over what is due now; how many reversals were acknowledged."""
        now = self._now()
        stale = now - timedelta(milliseconds=self.policy.armed_stale_ms)
        batch = await self.store.due(now, stale, self.policy.batch_max)
        done = 0
        for reversal in batch:
            finished = await self.attempt(reversal)
            done += finished is not None and finished.status is ReversalStatus.ACKNOWLEDGED
        return done

    async def attempt(self, reversal: Reversal) -> Reversal | None:
        """Send it once; the reversal as it stands afterwards (None if another try runs)."""
        if reversal.id in self._busy:
            return None
        self._busy.add(reversal.id)
        try:
            return await self._attempt(reversal)
        finally:
            self._busy.discard(reversal.id)

    async def _attempt(self, reversal: Reversal) -> Reversal:
        attempts = reversal.attempts + 1
        try:
            code = await self._sender.send_reversal(
                reversal, repeat=reversal.attempts > 0, timeout_ms=self.policy.timeout_ms
            )
        except TransportError as exc:
            return await self._retry_later(reversal, attempts, str(exc))
        await self.store.finish(reversal.id, ReversalStatus.ACKNOWLEDGED, code, attempts)
        log.info("iso8583.reversal_acknowledged", reversal=reversal.id, code=code, tries=attempts)
        return replace(
            reversal, status=ReversalStatus.ACKNOWLEDGED, attempts=attempts, response_code=code
        )

    async def _retry_later(self, reversal: Reversal, attempts: int, why: str) -> Reversal:
        if attempts >= self.policy.attempts_max:
            await self.store.finish(reversal.id, ReversalStatus.ABANDONED, None, attempts)
            log.error("iso8583.reversal_abandoned", reversal=reversal.id, tries=attempts, why=why)
            return replace(reversal, status=ReversalStatus.ABANDONED, attempts=attempts)
        policy = self.policy
        delay_ms = backoff_ms(attempts, policy.backoff_ms_min, policy.backoff_ms_max, self._rng)
        next_at = self._now() + timedelta(milliseconds=delay_ms)
        await self.store.record_attempt(reversal.id, attempts, next_at)
        log.warning("iso8583.reversal_unanswered", reversal=reversal.id, tries=attempts, why=why)
        return replace(
            reversal, status=ReversalStatus.DUE, attempts=attempts, next_attempt_at=next_at
        )

    async def _run(self) -> None:
        while not self._closing:
            try:
                await self.run_once()
            except Exception:  # the loop outlives any one failure; the row stays due
                log.exception("iso8583.reversal_pass_failed")
            # asyncio.timeout, not wait_for: 3.11's wait_for can swallow our cancellation.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.policy.poll_ms / 1000):
                    await self._wake.wait()
            self._wake.clear()
