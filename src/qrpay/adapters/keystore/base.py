"""The key store contract: named keys with versions, used by everything that needs a secret.

A key has a name (``webhooks``, ``card-tokens``), a kind and versions 1, 2, 3... The highest
version is current: it signs, MACs and encrypts. Older versions still verify and decrypt
until they are retired; a retired version refuses with ``KeyRetired``. Callers never see
key material, only what was computed with it.

Ciphertexts are self-describing (the version travels in the blob), so ``decrypt`` needs no
version. MACs and signatures come back with their version; the caller stores it beside
them (a webhook header carries ``v3``) and passes it back to ``*_verify``.

Every backend uses the same blob layout and the same associated data (``gcm_aad``), so a
test suite written against this Protocol runs unchanged against each of them.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Protocol

from qrpay.domain.errors import DecryptionFailed, KeyNameInvalid


class KeyKind(StrEnum):
    HMAC = "hmac"
    """HMAC-SHA256 with a 256-bit key."""
    AES_GCM = "aes_gcm"
    """AES-256-GCM, 96-bit random nonces, 128-bit tags."""
    ECDSA_P256 = "ecdsa_p256"
    """ECDSA over P-256 with SHA-256; signatures are raw r || s, 64 bytes."""


@dataclass(frozen=True, slots=True)
class KeyVersion:
    version: int
    retired: bool


@dataclass(frozen=True, slots=True)
class KeyInfo:
    name: str
    kind: KeyKind
    versions: tuple[KeyVersion, ...]

    @property
    def current_version(self) -> int:
        return max(v.version for v in self.versions)


class KeyStore(Protocol):
    def create(self, name: str, kind: KeyKind) -> int:
        """Create version 1 of a new key; ``KeyExists`` when the name is taken."""
        ...

    def rotate(self, name: str) -> int:
        """Create the next version and make it current; returns its number."""
        ...

    def retire(self, name: str, version: int) -> None:
        """Stop a non-current version from verifying or decrypting, for good."""
        ...

    def current_version(self, name: str) -> int: ...

    def list(self) -> list[KeyInfo]: ...

    def hmac_sign(self, name: str, data: bytes, version: int | None = None) -> tuple[int, bytes]:
        """MAC under the current version, or under an older unretired one: a keyed lookup
        (a card token) must find what an older version made."""
        ...

    def hmac_verify(self, name: str, data: bytes, mac: bytes, version: int | None = None) -> int:
        """Return the version that matches; ``VerificationFailed`` when none does.

        Without a version every unretired one is tried, newest first.
        """
        ...

    def encrypt(self, name: str, plaintext: bytes, associated_data: bytes) -> bytes: ...

    def decrypt(self, name: str, blob: bytes, associated_data: bytes) -> bytes: ...

    def sign(self, name: str, data: bytes) -> tuple[int, bytes]: ...

    def verify(self, name: str, data: bytes, signature: bytes, version: int | None = None) -> int:
        """As ``hmac_verify``, for an ECDSA P-256 signature."""
        ...

    def public_key_pem(self, name: str, version: int | None = None) -> bytes:
        """The public half of an ECDSA key, for whoever verifies outside the gateway."""
        ...


_NAME_RE: Final = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}\Z")
KEY_NAME_CHARS_MAX: Final = 63

BLOB_MAGIC: Final = b"QK"
BLOB_FORMAT: Final = 1
_HEADER: Final = struct.Struct(">2sBI")  # magic, format, key version
NONCE_BYTES: Final = 12
TAG_BYTES: Final = 16
SIGNATURE_BYTES: Final = 64
HMAC_BYTES: Final = 32


def check_name(name: str) -> str:
    """Names are lowercase and never contain ``#``, which separates name and version in labels."""
    if not _NAME_RE.match(name):
        raise KeyNameInvalid(
            f"key name {name!r} must be 1 to {KEY_NAME_CHARS_MAX} of a-z, 0-9, '.', '_', '-'"
        )
    return name


def blob_header(version: int) -> bytes:
    assert 1 <= version < 2**32
    return _HEADER.pack(BLOB_MAGIC, BLOB_FORMAT, version)


def gcm_aad(name: str, header: bytes, associated_data: bytes) -> bytes:
    """What AES-GCM authenticates: the key's name and the header as well as the caller's data.

    So a blob cannot be moved to another key, nor its version byte edited, without failing.
    The name is length-prefixed, which keeps the concatenation unambiguous.
    """
    encoded = name.encode()
    return struct.pack(">H", len(encoded)) + encoded + header + associated_data


@dataclass(frozen=True, slots=True)
class Blob:
    version: int
    header: bytes
    nonce: bytes
    ciphertext: bytes
    """Ciphertext followed by the 16-byte tag."""


def pack_blob(version: int, nonce: bytes, ciphertext: bytes) -> bytes:
    assert len(nonce) == NONCE_BYTES
    assert len(ciphertext) >= TAG_BYTES
    return blob_header(version) + nonce + ciphertext


def unpack_blob(blob: bytes) -> Blob:
    if len(blob) < _HEADER.size + NONCE_BYTES + TAG_BYTES:
        raise DecryptionFailed("the ciphertext is too short to be one of ours")
    magic, fmt, version = _HEADER.unpack_from(blob)
    if magic != BLOB_MAGIC or fmt != BLOB_FORMAT or version == 0:
        raise DecryptionFailed("the ciphertext does not start with a known header")
    nonce_end = _HEADER.size + NONCE_BYTES
    return Blob(version, blob[: _HEADER.size], blob[_HEADER.size : nonce_end], blob[nonce_end:])


def versions_to_try(info: KeyInfo, version: int | None) -> list[int]:
    """Newest first; one given version is used as is (the caller checks retirement)."""
    if version is not None:
        return [version]
    return sorted((v.version for v in info.versions if not v.retired), reverse=True)
