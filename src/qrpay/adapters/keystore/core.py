"""The rules every key-store backend shares, written once over a few backend primitives.

``KeyStoreCore`` owns the contract's behaviour: which version is current, what retirement
refuses, which versions a verification tries, the blob layout. A backend supplies only what
touches key material (generate, MAC, seal, open, sign, check) and how its catalogue of keys
is read and changed, so the software store and the HSM cannot drift apart on the rules.
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable

from qrpay.adapters.keystore.base import (
    NONCE_BYTES,
    KeyInfo,
    KeyKind,
    blob_header,
    check_name,
    gcm_aad,
    pack_blob,
    unpack_blob,
    versions_to_try,
)
from qrpay.domain.errors import (
    DecryptionFailed,
    KeyExists,
    KeyKindMismatch,
    KeyNotFound,
    KeyRetired,
    VerificationFailed,
    VersionIsCurrent,
)

VERSIONS_MAX = 10_000
"""Rotation is an operator's act; this many versions of one key means a loop gone wrong."""


class KeyStoreCore(ABC):
    # -- what a backend provides ---------------------------------------------------------

    @abstractmethod
    def _catalogue(self) -> dict[str, KeyInfo]:
        """Every key, as it is now (another process may have rotated since the last call)."""

    def _catalogue_of(self, name: str) -> KeyInfo | None:
        """One key; a backend overrides this when it can look one up without listing all."""
        return self._catalogue().get(name)

    @abstractmethod
    def _changing(self) -> contextlib.AbstractContextManager[None]:
        """Hold off other writers, in this process and others, while the catalogue changes."""

    @abstractmethod
    def _generate(self, name: str, kind: KeyKind, version: int) -> None: ...

    @abstractmethod
    def _mark_retired(self, name: str, version: int) -> None: ...

    @abstractmethod
    def _mac(self, name: str, version: int, data: bytes) -> bytes: ...

    @abstractmethod
    def _seal(self, name: str, version: int, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
        """AES-256-GCM: ciphertext followed by the tag."""

    @abstractmethod
    def _open(self, name: str, version: int, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
        """Raise ``DecryptionFailed`` when the tag does not match."""

    @abstractmethod
    def _sign(self, name: str, version: int, data: bytes) -> bytes:
        """ECDSA P-256 over SHA-256 of ``data``, raw r || s."""

    @abstractmethod
    def _signature_matches(
        self, name: str, version: int, data: bytes, signature: bytes
    ) -> bool: ...

    @abstractmethod
    def _public_pem(self, name: str, version: int) -> bytes: ...

    # -- the contract ----------------------------------------------------------------------

    def create(self, name: str, kind: KeyKind) -> int:
        check_name(name)
        with self._changing():
            if self._catalogue_of(name) is not None:
                raise KeyExists(f"key {name!r} exists already")
            self._generate(name, kind, 1)
        return 1

    def rotate(self, name: str) -> int:
        with self._changing():
            info = self._info(name)
            version = info.current_version + 1
            assert version <= VERSIONS_MAX, f"key {name!r} has {VERSIONS_MAX} versions"
            self._generate(name, info.kind, version)
        return version

    def retire(self, name: str, version: int) -> None:
        with self._changing():
            info = self._info(name)
            self._usable(info, version)
            if version == info.current_version:
                raise VersionIsCurrent(f"version {version} of {name!r} is current; rotate first")
            self._mark_retired(name, version)

    def current_version(self, name: str) -> int:
        return self._info(name).current_version

    def list(self) -> list[KeyInfo]:
        return sorted(self._catalogue().values(), key=lambda info: info.name)

    def hmac_sign(self, name: str, data: bytes, version: int | None = None) -> tuple[int, bytes]:
        info = self._of_kind(name, KeyKind.HMAC)
        chosen = info.current_version if version is None else version
        self._usable(info, chosen)
        return chosen, self._mac(name, chosen, data)

    def hmac_verify(self, name: str, data: bytes, mac: bytes, version: int | None = None) -> int:
        info = self._of_kind(name, KeyKind.HMAC)

        def matches(candidate: int) -> bool:
            # Constant time: a near miss must not answer faster than a far one.
            return hmac.compare_digest(self._mac(name, candidate, data), mac)

        return self._matching_version(info, version, matches, "MAC")

    def encrypt(self, name: str, plaintext: bytes, associated_data: bytes) -> bytes:
        version = self._of_kind(name, KeyKind.AES_GCM).current_version
        # Random 96-bit nonces: safe for far more messages than one key version will see
        # (NIST's bound is 2**32), and rotation starts a fresh key anyway.
        nonce = secrets.token_bytes(NONCE_BYTES)
        aad = gcm_aad(name, blob_header(version), associated_data)
        return pack_blob(version, nonce, self._seal(name, version, nonce, plaintext, aad))

    def decrypt(self, name: str, blob: bytes, associated_data: bytes) -> bytes:
        info = self._of_kind(name, KeyKind.AES_GCM)
        parts = unpack_blob(blob)
        if parts.version not in {v.version for v in info.versions}:
            raise DecryptionFailed(f"the ciphertext names version {parts.version} of {name!r}")
        self._usable(info, parts.version)
        aad = gcm_aad(name, parts.header, associated_data)
        return self._open(name, parts.version, parts.nonce, parts.ciphertext, aad)

    def sign(self, name: str, data: bytes) -> tuple[int, bytes]:
        version = self._of_kind(name, KeyKind.ECDSA_P256).current_version
        return version, self._sign(name, version, data)

    def verify(self, name: str, data: bytes, signature: bytes, version: int | None = None) -> int:
        info = self._of_kind(name, KeyKind.ECDSA_P256)

        def matches(candidate: int) -> bool:
            return self._signature_matches(name, candidate, data, signature)

        return self._matching_version(info, version, matches, "signature")

    def public_key_pem(self, name: str, version: int | None = None) -> bytes:
        info = self._of_kind(name, KeyKind.ECDSA_P256)
        chosen = info.current_version if version is None else version
        self._usable(info, chosen)
        return self._public_pem(name, chosen)

    # -- shared checks ---------------------------------------------------------------------

    def _info(self, name: str) -> KeyInfo:
        info = self._catalogue_of(name)
        if info is None:
            raise KeyNotFound(f"no key {name!r}")
        return info

    def _of_kind(self, name: str, kind: KeyKind) -> KeyInfo:
        info = self._info(name)
        if info.kind is not kind:
            raise KeyKindMismatch(f"key {name!r} is {info.kind}, not {kind}")
        return info

    def _matching_version(
        self, info: KeyInfo, version: int | None, matches: Callable[[int], bool], what: str
    ) -> int:
        for candidate in versions_to_try(info, version):
            self._usable(info, candidate)
            if matches(candidate):
                return candidate
        raise VerificationFailed(f"the {what} does not match key {info.name!r}")

    @staticmethod
    def _usable(info: KeyInfo, version: int) -> None:
        found = [v for v in info.versions if v.version == version]
        if not found:
            raise KeyNotFound(f"key {info.name!r} has no version {version}")
        if found[0].retired:
            raise KeyRetired(f"version {version} of {info.name!r} is retired")
