"""The software key store: key material sealed with AES-256-GCM under a master key.

The sealed key file is JSON. Names, kinds, versions and retirement are readable (an
operator can see what exists); key material appears only as ciphertext, each sealed with
associated data naming its key, version and kind, so a sealed value cannot be moved to
another entry. A MAC over the whole document, under a second key derived from the master
key, makes any edit (an un-retired version, a dropped one) fail loudly on load.

Writes are atomic (temporary file, fsync, rename) and serialised between processes by an
advisory lock beside the file; readers reload when the file changes, so a rotation by
``qrpay keys rotate`` reaches running workers without a restart. ``path=None`` keeps the
keys in memory only, for tests and throw-away runs.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from qrpay.adapters.keystore.base import (
    NONCE_BYTES,
    SIGNATURE_BYTES,
    KeyInfo,
    KeyKind,
    KeyVersion,
)
from qrpay.adapters.keystore.core import KeyStoreCore
from qrpay.domain.errors import DecryptionFailed, KeyStoreUnavailable

FILE_FORMAT: Final = "qrpay-keystore/1"
MASTER_KEY_BYTES: Final = 32
MATERIAL_BYTES: Final = 32
"""Every kind's material is 32 bytes: HMAC key, AES-256 key, or the P-256 private scalar."""
KEY_FILE_BYTES_MAX: Final = 16 * 1024 * 1024


class SoftwareKeyStore(KeyStoreCore):
    def __init__(self, master_key: bytes, path: Path | None) -> None:
        if len(master_key) != MASTER_KEY_BYTES:
            raise KeyStoreUnavailable(f"the master key must be {MASTER_KEY_BYTES} bytes")
        self._seal_key = AESGCM(_derive(master_key, b"qrpay keystore seal"))
        self._mac_key = _derive(master_key, b"qrpay keystore file mac")
        self._path = path
        self._lock = threading.RLock()
        self._doc: dict[str, Any] = {"format": FILE_FORMAT, "keys": {}}
        self._seen: tuple[int, int, int] | None = None
        self._materials: dict[tuple[str, int], bytes] = {}

    # -- catalogue ---------------------------------------------------------------------

    def _catalogue(self) -> dict[str, KeyInfo]:
        with self._lock:
            self._reload_if_changed()
            return {name: _info(name, entry) for name, entry in self._doc["keys"].items()}

    @contextlib.contextmanager
    def _changing(self) -> Iterator[None]:
        with self._lock, self._file_lock():
            self._reload_if_changed()
            try:
                yield
            except BaseException:
                # A change that failed halfway is dropped: the next read reloads the file.
                self._seen = None
                raise
            self._write()

    def _generate(self, name: str, kind: KeyKind, version: int) -> None:
        material = _new_material(kind)
        entry = self._doc["keys"].setdefault(name, {"kind": kind.value, "versions": {}})
        entry["versions"][str(version)] = {
            "created_at": datetime.now(UTC).isoformat(),
            "retired_at": None,
            "sealed": self._sealed(name, version, kind, material),
        }

    def _mark_retired(self, name: str, version: int) -> None:
        self._doc["keys"][name]["versions"][str(version)]["retired_at"] = datetime.now(
            UTC
        ).isoformat()
        self._materials.pop((name, version), None)

    # -- operations --------------------------------------------------------------------

    def _mac(self, name: str, version: int, data: bytes) -> bytes:
        return hmac.new(self._material(name, version), data, hashlib.sha256).digest()

    def _seal(self, name: str, version: int, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
        return AESGCM(self._material(name, version)).encrypt(nonce, plaintext, aad)

    def _open(self, name: str, version: int, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
        try:
            return AESGCM(self._material(name, version)).decrypt(nonce, ciphertext, aad)
        except InvalidTag as exc:
            raise DecryptionFailed(
                f"the ciphertext or its associated data was altered (key {name!r})"
            ) from exc

    def _sign(self, name: str, version: int, data: bytes) -> bytes:
        der = self._private_key(name, version).sign(data, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        half = SIGNATURE_BYTES // 2
        return r.to_bytes(half, "big") + s.to_bytes(half, "big")

    def _signature_matches(self, name: str, version: int, data: bytes, signature: bytes) -> bool:
        if len(signature) != SIGNATURE_BYTES:
            return False
        half = SIGNATURE_BYTES // 2
        der = encode_dss_signature(
            int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
        )
        public = self._private_key(name, version).public_key()
        try:
            public.verify(der, data, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return False
        return True

    def _public_pem(self, name: str, version: int) -> bytes:
        return (
            self._private_key(name, version)
            .public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )

    # -- material ----------------------------------------------------------------------

    def _material(self, name: str, version: int) -> bytes:
        with self._lock:
            cached = self._materials.get((name, version))
            if cached is not None:
                return cached
            entry = self._doc["keys"][name]
            sealed = entry["versions"][str(version)]["sealed"]
            material = self._unsealed(name, version, KeyKind(entry["kind"]), sealed)
            self._materials[(name, version)] = material
            return material

    def _private_key(self, name: str, version: int) -> ec.EllipticCurvePrivateKey:
        scalar = int.from_bytes(self._material(name, version), "big")
        return ec.derive_private_key(scalar, ec.SECP256R1())

    def _sealed(self, name: str, version: int, kind: KeyKind, material: bytes) -> str:
        nonce = secrets.token_bytes(NONCE_BYTES)
        ciphertext = self._seal_key.encrypt(nonce, material, _seal_aad(name, version, kind))
        return base64.b64encode(nonce + ciphertext).decode()

    def _unsealed(self, name: str, version: int, kind: KeyKind, sealed: str) -> bytes:
        raw = base64.b64decode(sealed)
        try:
            return self._seal_key.decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], _seal_aad(name, version, kind)
            )
        except InvalidTag as exc:
            raise KeyStoreUnavailable(
                f"version {version} of {name!r} cannot be unsealed: wrong master key"
            ) from exc

    # -- the file ----------------------------------------------------------------------

    def _reload_if_changed(self) -> None:
        if self._path is None:
            return
        try:
            stat = self._path.stat()
        except FileNotFoundError:
            return
        # Inode too: an atomic replace can keep the size and land within the same mtime tick.
        seen = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        if seen == self._seen:
            return
        if stat.st_size > KEY_FILE_BYTES_MAX:
            raise KeyStoreUnavailable(f"{self._path} is larger than {KEY_FILE_BYTES_MAX} bytes")
        self._doc = self._verified(self._path.read_bytes())
        self._seen = seen
        self._materials.clear()

    def _verified(self, raw: bytes) -> dict[str, Any]:
        try:
            doc = json.loads(raw)
            given = base64.b64decode(doc.pop("mac"))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise KeyStoreUnavailable(f"{self._path} is not a qrpay key file") from exc
        if not hmac.compare_digest(given, self._document_mac(doc)):
            raise KeyStoreUnavailable(
                f"{self._path} was altered, or the master key is not the one that wrote it"
            )
        if doc.get("format") != FILE_FORMAT:
            raise KeyStoreUnavailable(f"{self._path} has format {doc.get('format')!r}")
        return dict(doc)

    def _document_mac(self, doc: dict[str, Any]) -> bytes:
        canonical = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
        return hmac.new(self._mac_key, canonical, hashlib.sha256).digest()

    def _write(self) -> None:
        if self._path is None:
            return
        signed = {**self._doc, "mac": base64.b64encode(self._document_mac(self._doc)).decode()}
        text = json.dumps(signed, sort_keys=True, indent=2).encode()
        _atomic_write(self._path, text)
        stat = self._path.stat()
        self._seen = (stat.st_ino, stat.st_size, stat.st_mtime_ns)

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        if self._path is None:
            yield
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self._path.with_name(self._path.name + ".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock


def _info(name: str, entry: dict[str, Any]) -> KeyInfo:
    versions = tuple(
        KeyVersion(int(number), retired=value["retired_at"] is not None)
        for number, value in sorted(entry["versions"].items(), key=lambda kv: int(kv[0]))
    )
    return KeyInfo(name, KeyKind(entry["kind"]), versions)


def _derive(master_key: bytes, purpose: bytes) -> bytes:
    # Separate keys for sealing and for the file MAC: one key, one job.
    return HKDF(hashes.SHA256(), length=32, salt=None, info=purpose).derive(master_key)


def _seal_aad(name: str, version: int, kind: KeyKind) -> bytes:
    return f"{FILE_FORMAT}|{name}|{version}|{kind.value}".encode()


def _new_material(kind: KeyKind) -> bytes:
    if kind is KeyKind.ECDSA_P256:
        scalar = ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value
        return scalar.to_bytes(MATERIAL_BYTES, "big")
    return secrets.token_bytes(MATERIAL_BYTES)


def _atomic_write(path: Path, data: bytes) -> None:
    """Readers see the old file or the new one, never half of either, even after a crash."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the rename itself is durable only once the directory is synced
    finally:
        os.close(dir_fd)
