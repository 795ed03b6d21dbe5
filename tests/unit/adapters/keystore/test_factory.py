"""Which key store the settings open, and where the embedded master key comes from."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest
from pydantic import SecretStr
from structlog.testing import capture_logs

from qrpay.adapters.keystore.base import KeyKind
from qrpay.adapters.keystore.factory import keystore_from_settings, master_key
from qrpay.adapters.keystore.software import SoftwareKeyStore
from qrpay.config import Settings
from qrpay.domain.errors import KeyStoreUnavailable


def test_embedded_mode_generates_a_private_master_key_once_and_says_where(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)

    with capture_logs() as logs:
        first = master_key(settings)
    second = master_key(settings)

    path = tmp_path / "master.key"
    assert first == second
    assert len(first) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [log["event"] for log in logs] == ["keystore.master_key_generated"]
    assert logs[0]["path"] == str(path.resolve())


def test_the_master_key_from_the_environment_wins(tmp_path: Path) -> None:
    key = bytes(range(32))
    settings = Settings(data_dir=tmp_path, master_key=SecretStr(base64.b64encode(key).decode()))

    assert master_key(settings) == key
    assert not (tmp_path / "master.key").exists()


def test_a_master_key_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "mk"
    path.write_text(base64.b64encode(bytes(32)).decode() + "\n")

    assert master_key(Settings(data_dir=tmp_path, master_key_file=path)) == bytes(32)


@pytest.mark.parametrize("text", ["not base64!", base64.b64encode(bytes(16)).decode()])
def test_a_master_key_that_is_not_32_base64_bytes_is_refused(tmp_path: Path, text: str) -> None:
    with pytest.raises(KeyStoreUnavailable, match="QRPAY_MASTER_KEY"):
        master_key(Settings(data_dir=tmp_path, master_key=SecretStr(text)))


def test_the_default_is_a_software_store_in_the_data_dir(tmp_path: Path) -> None:
    store = keystore_from_settings(Settings(data_dir=tmp_path))
    store.create("mac", KeyKind.HMAC)

    assert isinstance(store, SoftwareKeyStore)
    assert (tmp_path / "keys.json").exists()


def test_pkcs11_without_module_token_and_pin_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyStoreUnavailable, match="QRPAY_PKCS11_MODULE"):
        keystore_from_settings(Settings(data_dir=tmp_path, keystore_backend="pkcs11"))
