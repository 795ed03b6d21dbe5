"""Idempotency keys: the same key and body replay the first answer, never the effect twice.

A record is scoped to the caller (one merchant, wallet or the operator), holds a
fingerprint of the request (method, path and body) and, once the request has finished,
the status and body of the answer. A key reused with another request is a conflict.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Final

IDEMPOTENCY_KEY_CHARS_MAX: Final = 255
IDEMPOTENCY_TTL_SECONDS: Final = 24 * 3600


def fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    scope: str
    key: str
    fingerprint: str
    created_at: datetime
    expires_at: datetime
    response_status: int | None = None
    response_body: bytes | None = None

    @property
    def completed(self) -> bool:
        return self.response_status is not None
