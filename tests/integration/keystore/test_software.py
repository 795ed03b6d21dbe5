"""What only the software store must prove: its file never holds a key in clear."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest

from qrpay.adapters.keystore.base import KeyKind
from qrpay.adapters.keystore.software import SoftwareKeyStore
from qrpay.domain.errors import KeyRetired, KeyStoreUnavailable
from tests.integration.keystore.conftest import MASTER_KEY

DATA = b"data"


def _filled(path: Path) -> SoftwareKeyStore:
    store = SoftwareKeyStore(MASTER_KEY, path)
    for name, kind in (("mac", KeyKind.HMAC), ("aes", KeyKind.AES_GCM), ("ec", KeyKind.ECDSA_P256)):
        store.create(name, kind)
        store.rotate(name)
    return store


def test_the_key_file_holds_no_key_bytes_in_any_plain_encoding(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    store = _filled(path)
    text = path.read_bytes()

    materials = [
        store._material(info.name, v.version) for info in store.list() for v in info.versions
    ]
    assert len(materials) == 6
    for raw in [*materials, MASTER_KEY]:
        for encoded in (
            raw,
            raw.hex().encode(),
            base64.b64encode(raw),
            base64.urlsafe_b64encode(raw),
        ):
            assert encoded not in text
            assert encoded[:16] not in text  # nor a recognisable part of one


def test_the_key_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    _filled(path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_new_store_on_the_same_file_reads_the_same_keys(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    version, mac = _filled(path).hmac_sign("mac", DATA)

    assert SoftwareKeyStore(MASTER_KEY, path).hmac_verify("mac", DATA, mac) == version


def test_an_edited_key_file_is_refused(tmp_path: Path) -> None:
    # given version 1 retired, and someone who edits the file to bring it back
    path = tmp_path / "keys.json"
    _filled(path).retire("mac", 1)
    doc = json.loads(path.read_text())
    doc["keys"]["mac"]["versions"]["1"]["retired_at"] = None
    path.write_text(json.dumps(doc))

    with pytest.raises(KeyStoreUnavailable, match="altered"):
        SoftwareKeyStore(MASTER_KEY, path).hmac_sign("mac", DATA)


def test_a_sealed_value_moved_to_another_version_does_not_unseal(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    store = _filled(path)
    store.retire("mac", 1)
    doc = json.loads(path.read_text())
    versions = doc["keys"]["mac"]["versions"]
    versions["2"]["sealed"] = versions["1"]["sealed"]
    # Re-sign the document as only the master key's holder could, to reach the seal check.
    doc.pop("mac")
    doc["mac"] = base64.b64encode(store._document_mac(doc)).decode()
    path.write_text(json.dumps(doc))

    with pytest.raises(KeyStoreUnavailable, match="cannot be unsealed"):
        SoftwareKeyStore(MASTER_KEY, path).hmac_sign("mac", DATA)


def test_another_master_key_cannot_open_the_file(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    _filled(path)

    with pytest.raises(KeyStoreUnavailable):
        SoftwareKeyStore(bytes(32), path).list()


def test_a_retired_version_stays_retired_after_reload(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    store = _filled(path)
    _, old = store.hmac_sign("mac", DATA)
    store.rotate("mac")
    store.retire("mac", 2)

    with pytest.raises(KeyRetired):
        SoftwareKeyStore(MASTER_KEY, path).hmac_verify("mac", DATA, old, 2)
