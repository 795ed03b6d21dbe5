"""Pick and open the key store the settings ask for.

The software backend needs a 32-byte master key: ``QRPAY_MASTER_KEY`` (base64) or
``QRPAY_MASTER_KEY_FILE`` (a file holding the base64 text). Embedded mode has neither, so
the first run writes ``<data_dir>/master.key`` (mode 0600) and logs where; keep it apart
from backups of the sealed key file, or the backups are as good as plain text.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import stat
from pathlib import Path
from typing import Final

from qrpay.adapters.keystore.base import KeyStore
from qrpay.adapters.keystore.software import MASTER_KEY_BYTES, SoftwareKeyStore
from qrpay.config import Settings
from qrpay.domain.errors import KeyStoreUnavailable
from qrpay.observability.logs import log

MASTER_KEY_FILE: Final = "master.key"
KEY_FILE: Final = "keys.json"


def keystore_from_settings(settings: Settings) -> KeyStore:
    if settings.keystore_backend == "pkcs11":
        return _pkcs11(settings)
    key_file = settings.keystore_file or settings.data_dir / KEY_FILE
    return SoftwareKeyStore(master_key(settings), key_file)


def _pkcs11(settings: Settings) -> KeyStore:
    # Imported here: the software default must not need the HSM module loaded.
    from qrpay.adapters.keystore.pkcs11 import Pkcs11KeyStore

    if not (settings.pkcs11_module and settings.pkcs11_token and settings.pkcs11_pin):
        raise KeyStoreUnavailable(
            "the pkcs11 key store needs QRPAY_PKCS11_MODULE, QRPAY_PKCS11_TOKEN "
            "and QRPAY_PKCS11_PIN"
        )
    return Pkcs11KeyStore(
        settings.pkcs11_module, settings.pkcs11_token, settings.pkcs11_pin.get_secret_value()
    )


def master_key(settings: Settings) -> bytes:
    if settings.master_key is not None:
        return _decoded(settings.master_key.get_secret_value(), "QRPAY_MASTER_KEY")
    path = settings.master_key_file
    if path is None:
        path = settings.data_dir / MASTER_KEY_FILE
        if _create_master_key_file(path):
            log.warning("keystore.master_key_generated", path=str(path.resolve()))
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyStoreUnavailable(f"cannot read the master key file {path}") from exc
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("keystore.master_key_file_open_to_others", path=str(path))
    return _decoded(text.strip(), str(path))


def _create_master_key_file(path: Path) -> bool:
    """Write a new key, readable by the owner only, unless one is there; True when written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two workers starting at once must not each write a key of their own.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(base64.b64encode(secrets.token_bytes(MASTER_KEY_BYTES)).decode() + "\n")
        out.flush()
        os.fsync(out.fileno())
    return True


def _decoded(text: str, source: str) -> bytes:
    try:
        key = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise KeyStoreUnavailable(f"the master key in {source} is not base64") from exc
    if len(key) != MASTER_KEY_BYTES:
        raise KeyStoreUnavailable(
            f"the master key in {source} is {len(key)} bytes, not {MASTER_KEY_BYTES}"
        )
    return key
