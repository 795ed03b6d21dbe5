"""The MAC on every message: HMAC-SHA256 over the message, cut to its first 8 bytes.

The MAC covers every byte of the message before the MAC field (MTI, bitmaps, fields); the
MAC field (64 or 128) is always last, so that is all bytes but the final eight. Why not
the retail MAC (ISO 9797-1 algorithm 3 with a double-length DES key): it rests on DES,
which the standard library lacks and PCI is retiring, while HMAC-SHA256 with a 256-bit key
is in the standard library and in every PKCS#11 token (``CKM_SHA256_HMAC_GENERAL`` with an
8-byte output). ``docs/iso8583.md`` records the choice.

The key sits behind ``MacKey`` so the key store (software or HSM) can hold it later;
``SoftwareMacKey`` holds a key from configuration until then.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final, Protocol

from qrpay.connectors.iso8583.messages import Message, pack, unpack
from qrpay.connectors.iso8583.spec import MAC_BYTES

KEY_BYTES_MIN: Final = 32
"""HMAC-SHA256 keys shorter than the hash add no strength; refuse them."""


class MacKey(Protocol):
    """A named MAC key whose bytes may never leave its store."""

    async def mac(self, data: bytes) -> bytes:
        """The 8-byte MAC of ``data``."""
        ...

    async def verify(self, data: bytes, mac: bytes) -> bool:
        """Whether ``mac`` is the MAC of ``data``, compared in constant time."""
        ...


class MacMismatch(Exception):
    """A well-formed message whose MAC is wrong: it may not be trusted."""

    def __init__(self, message: Message) -> None:
        super().__init__(f"MAC mismatch on {message.mti} STAN {message.get(11)}")
        self.message = message


class SoftwareMacKey:
    """A key held in process memory, from configuration. Its repr never shows the key."""

    def __init__(self, key: bytes, key_id: str = "acquirer-mac") -> None:
        assert len(key) >= KEY_BYTES_MIN, f"MAC keys have at least {KEY_BYTES_MIN} bytes"
        self._key = key
        self.key_id = key_id

    @classmethod
    def from_hex(cls, text: str, key_id: str = "acquirer-mac") -> SoftwareMacKey:
        return cls(bytes.fromhex(text), key_id)

    def __repr__(self) -> str:
        return f"SoftwareMacKey(key_id={self.key_id!r})"

    async def mac(self, data: bytes) -> bytes:
        return hmac.new(self._key, data, hashlib.sha256).digest()[:MAC_BYTES]

    async def verify(self, data: bytes, mac: bytes) -> bool:
        return hmac.compare_digest(await self.mac(data), mac)


async def seal(message: Message, key: MacKey) -> bytes:
    """The message's bytes with its MAC in place."""
    packed = pack(message)
    body = packed[:-MAC_BYTES]
    tag = await key.mac(body)
    assert len(tag) == MAC_BYTES
    return body + tag


async def open_sealed(data: bytes, key: MacKey) -> Message:
    """Parse and check a message: ``MessageInvalid`` if it is not one, ``MacMismatch``."""
    message = unpack(data)
    if not await key.verify(data[:-MAC_BYTES], data[-MAC_BYTES:]):
        raise MacMismatch(message)
    return message
