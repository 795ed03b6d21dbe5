"""The audit log as a JSON Lines file: one entry a line, appended under a lock.

For embedded mode and ``qrpay audit verify`` until the log moves into the database. Each
append takes an exclusive advisory lock, checks the last line's number, writes one line
and fsyncs, so concurrent writers in several processes cannot fork the chain.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from qrpay.domain.audit import AuditEntry, AuditRecord
from qrpay.domain.errors import AuditAppendConflict, AuditEntryUnreadable

LINE_BYTES_MAX: Final = 256 * 1024
DEFAULT_FILE: Final = "audit.jsonl"
"""Under the data directory, until the log moves into the database."""


class JsonlAuditLog:
    def __init__(self, path: Path) -> None:
        self.path = path

    async def append(self, entry: AuditEntry) -> None:
        line = json.dumps(to_json(entry), sort_keys=True, ensure_ascii=False) + "\n"
        data = line.encode("utf-8")
        assert len(data) <= LINE_BYTES_MAX, "an audit entry this large is a bug upstream"
        with self._locked() as fd:
            last = _last_line(fd)
            head_seq = 0 if last is None else int(json.loads(last)["seq"])
            if entry.seq != head_seq + 1:
                raise AuditAppendConflict(f"entry {entry.seq} does not follow {head_seq}")
            os.write(fd, data)
            os.fsync(fd)

    async def head(self) -> AuditEntry | None:
        if not self.path.exists():
            return None
        with self._locked() as fd:
            last = _last_line(fd)
        return None if last is None else from_json(json.loads(last))

    async def entries(self) -> AsyncIterator[AuditEntry]:
        if not self.path.exists():
            return
        with self.path.open("rb") as lines:
            for position, raw in enumerate(lines):
                yield _parsed(raw, position)

    @contextmanager
    def _locked(self) -> Iterator[int]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield fd
        finally:
            os.close(fd)


def to_json(entry: AuditEntry) -> dict[str, Any]:
    record = entry.record
    return {
        "seq": entry.seq,
        "at": record.at.isoformat(),
        "actor": record.actor,
        "action": record.action,
        "target": record.target,
        "before": record.before,
        "after": record.after,
        "prev_hash": entry.prev_hash,
        "hash": entry.chain_hash,
        "key_version": entry.key_version,
    }


def from_json(row: dict[str, Any]) -> AuditEntry:
    at = datetime.fromisoformat(row["at"])
    record = AuditRecord(
        row["actor"], row["action"], row["target"], at, row["before"], row["after"]
    )
    return AuditEntry(
        int(row["seq"]), record, row["prev_hash"], row["hash"], int(row["key_version"])
    )


def _parsed(raw: bytes, position: int) -> AuditEntry:
    try:
        return from_json(json.loads(raw))
    except (ValueError, KeyError, TypeError, AssertionError) as exc:
        raise AuditEntryUnreadable(
            f"line {position + 1} is not an audit entry", position=position
        ) from exc


def _last_line(fd: int) -> str | None:
    """The file's last line, read from the end: appends must not cost a whole-file read."""
    size = os.lseek(fd, 0, os.SEEK_END)
    if size == 0:
        return None
    start = max(0, size - LINE_BYTES_MAX - 1)
    tail = os.pread(fd, size - start, start)
    return tail.rstrip(b"\n").rsplit(b"\n", 1)[-1].decode("utf-8")
