"""The session store's limits, and the checks every backend runs before touching data.

Both backends call the same checks, so a value that is too large is refused with the same
typed error in the embedded mode and in production, before any byte reaches Redis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Final

from qrpay.domain.errors import (
    SessionKeyInvalid,
    SessionMessageTooLarge,
    SessionTtlOutOfRange,
    SessionValueTooLarge,
)

# Visible ASCII only: keys and channels are ids and tokens, and a space or control
# character in one is a bug upstream, not something to store.
_NAME = re.compile(r"[!-~]+")
# The prefix also becomes a Redis SCAN MATCH pattern in tests and runbooks: no glob chars.
_PREFIX = re.compile(r"[A-Za-z0-9_.:\-]+")
PREFIX_CHARS_MAX: Final = 64


@dataclass(frozen=True, slots=True)
class SessionLimits:
    """Upper bounds on what a store accepts and holds.

    ``subscriber_queue_max`` messages wait for a slow subscriber; past it the oldest is
    dropped (and counted in ``Subscription.dropped``), because a live status stream wants
    the newest status, and a listener that fell behind re-reads the current state anyway.
    """

    key_chars_max: int = 200
    value_bytes_max: int = 64 * 1024
    ttl_ms_max: int = 24 * 60 * 60 * 1000
    message_bytes_max: int = 16 * 1024
    subscriber_queue_max: int = 64
    subscribers_max: int = 10_000
    # In-process store only: Redis bounds its own memory with maxmemory.
    keys_max: int = 100_000
    sweep_keys_max: int = 100

    def __post_init__(self) -> None:
        for field in fields(self):
            assert getattr(self, field.name) > 0, f"{field.name} must be positive"


def check_prefix(prefix: str) -> str:
    assert len(prefix) <= PREFIX_CHARS_MAX, "prefix too long"
    assert _PREFIX.fullmatch(prefix), "prefix: letters, digits and _ . : - only"
    return prefix


def check_name(limits: SessionLimits, name: str, what: str = "key") -> str:
    """A key or a channel: 1 to ``key_chars_max`` visible ASCII characters."""
    if len(name) > limits.key_chars_max:
        raise SessionKeyInvalid(f"{what} longer than {limits.key_chars_max} characters")
    if not _NAME.fullmatch(name):
        raise SessionKeyInvalid(f"{what} must be 1 or more visible ASCII characters")
    return name


def check_entry(limits: SessionLimits, value: bytes, ttl_ms: int) -> None:
    """A value to store and its TTL. Every key expires: nothing here lives forever."""
    if len(value) > limits.value_bytes_max:
        raise SessionValueTooLarge(f"value larger than {limits.value_bytes_max} bytes")
    if not 1 <= ttl_ms <= limits.ttl_ms_max:
        raise SessionTtlOutOfRange(f"ttl_ms must be 1 to {limits.ttl_ms_max}")


def check_message(limits: SessionLimits, message: bytes) -> bytes:
    if len(message) > limits.message_bytes_max:
        raise SessionMessageTooLarge(f"message larger than {limits.message_bytes_max} bytes")
    return message
