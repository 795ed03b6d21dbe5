"""Standard Webhooks signatures (https://www.standardwebhooks.com), written out.

Three headers go with every attempt:

    webhook-id         the event id: the same on every retry and replay, so receivers dedupe
    webhook-timestamp  seconds since the epoch when this attempt was signed
    webhook-signature  "v1," + base64(HMAC-SHA256(secret, id + "." + timestamp + "." + body)),
                       one per secret, space-separated: during a rotation's overlap both
                       the new and the old secret sign, so either verifies

A secret travels as "whsec_" + base64 of its bytes. ``verify`` is what a receiver runs; the
gateway uses it only in tests and examples, beside the independent ``standardwebhooks``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence
from typing import Final

SECRET_PREFIX: Final = "whsec_"
SIGNATURE_VERSION: Final = "v1"
SECRET_BYTES_MIN: Final = 24
SECRET_BYTES_MAX: Final = 64
TIMESTAMP_TOLERANCE_S: Final = 300
"""How far a receiver lets a timestamp drift from its clock (the spec's 5 minutes)."""
SIGNATURES_MAX: Final = 4

HEADER_ID: Final = "webhook-id"
HEADER_TIMESTAMP: Final = "webhook-timestamp"
HEADER_SIGNATURE: Final = "webhook-signature"


def secret_text(secret: bytes) -> str:
    assert SECRET_BYTES_MIN <= len(secret) <= SECRET_BYTES_MAX
    return SECRET_PREFIX + base64.b64encode(secret).decode("ascii")


def parse_secret(text: str) -> bytes:
    """The bytes of a "whsec_..." secret; ``ValueError`` when it is not one."""
    try:
        return base64.b64decode(text.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error as exc:
        raise ValueError("a webhook secret is 'whsec_' and base64") from exc


def signed_content(msg_id: str, timestamp_s: int, body: bytes) -> bytes:
    assert "." not in msg_id, "the id is the first of three dot-separated parts"
    return f"{msg_id}.{timestamp_s}.".encode() + body


def signature(secret: bytes, msg_id: str, timestamp_s: int, body: bytes) -> str:
    mac = hmac.new(secret, signed_content(msg_id, timestamp_s, body), hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(mac).decode('ascii')}"


def signature_header(secrets: Sequence[bytes], msg_id: str, timestamp_s: int, body: bytes) -> str:
    """Every secret's signature, newest first, space-separated."""
    assert 1 <= len(secrets) <= SIGNATURES_MAX
    return " ".join(signature(s, msg_id, timestamp_s, body) for s in secrets)


def headers(secrets: Sequence[bytes], msg_id: str, timestamp_s: int, body: bytes) -> dict[str, str]:
    return {
        HEADER_ID: msg_id,
        HEADER_TIMESTAMP: str(timestamp_s),
        HEADER_SIGNATURE: signature_header(secrets, msg_id, timestamp_s, body),
    }


def verify(
    secret: bytes,
    msg_id: str,
    timestamp_s: int,
    body: bytes,
    header: str,
    now_s: int,
    tolerance_s: int = TIMESTAMP_TOLERANCE_S,
) -> bool:
    """A receiver's check: a fresh timestamp and one matching "v1," signature."""
    if abs(now_s - timestamp_s) > tolerance_s:
        return False
    expected = signature(secret, msg_id, timestamp_s, body).encode()
    return any(
        hmac.compare_digest(expected, candidate.encode())
        for candidate in header.split(" ")
        if candidate.startswith(SIGNATURE_VERSION + ",")
    )
