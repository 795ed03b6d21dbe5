"""The MAC: HMAC-SHA256 cut to 8 bytes over everything before the MAC field."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from qrpay.connectors.iso8583 import messages
from qrpay.connectors.iso8583.mac import MacMismatch, SoftwareMacKey, open_sealed, seal
from qrpay.connectors.iso8583.spec import NetworkCode

KEY_BYTES = bytes(range(32))
ECHO = messages.network_request(
    NetworkCode.ECHO, "000007", datetime(2026, 11, 24, 9, 30, 15, tzinfo=UTC)
)


async def test_mac_is_the_first_eight_bytes_of_hmac_sha256() -> None:
    data = b"0800 any bytes"

    tag = await SoftwareMacKey(KEY_BYTES).mac(data)

    assert tag == hmac.new(KEY_BYTES, data, hashlib.sha256).digest()[:8]
    assert tag.hex() == "d9a159cf46dc3efe"


async def test_seal_puts_the_mac_of_the_preceding_bytes_last() -> None:
    sealed = await seal(ECHO, SoftwareMacKey(KEY_BYTES))

    body, tag = sealed[:-8], sealed[-8:]
    assert body == messages.pack(ECHO)[:-8]
    assert tag == hmac.new(KEY_BYTES, body, hashlib.sha256).digest()[:8]


async def test_a_sealed_message_opens_with_the_same_key() -> None:
    key = SoftwareMacKey(KEY_BYTES)

    assert await open_sealed(await seal(ECHO, key), key) == ECHO


async def test_another_key_or_a_flipped_bit_fails_verification() -> None:
    sealed = await seal(ECHO, SoftwareMacKey(KEY_BYTES))
    tampered = sealed[:-9] + bytes([sealed[-9] ^ 1]) + sealed[-8:]

    with pytest.raises(MacMismatch):
        await open_sealed(sealed, SoftwareMacKey(bytes(32)))
    with pytest.raises((MacMismatch, messages.MessageInvalid)):
        await open_sealed(tampered, SoftwareMacKey(KEY_BYTES))


def test_short_keys_are_refused_and_the_key_never_shows() -> None:
    with pytest.raises(AssertionError):
        SoftwareMacKey(b"short")
    assert KEY_BYTES.hex() not in repr(SoftwareMacKey(KEY_BYTES))
