"""One behaviour suite for every key-store backend (software, PKCS#11 on SoftHSM2)."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from qrpay.adapters.keystore.base import KeyKind, KeyStore, unpack_blob
from qrpay.adapters.keystore.core import KeyStoreCore
from qrpay.domain import errors as e

DATA = b"POST /webhooks 2026-11-24T09:00:00Z {}"
AD = b"card-token:ct_1_abc"


def test_create_makes_version_1_and_lists_it(store: KeyStore) -> None:
    assert store.create("webhooks", KeyKind.HMAC) == 1

    [info] = store.list()
    assert info.name == "webhooks"
    assert info.kind is KeyKind.HMAC
    assert [(v.version, v.retired) for v in info.versions] == [(1, False)]
    assert store.current_version("webhooks") == 1


def test_a_name_is_created_once(store: KeyStore) -> None:
    store.create("webhooks", KeyKind.HMAC)

    with pytest.raises(e.KeyExists):
        store.create("webhooks", KeyKind.AES_GCM)


@pytest.mark.parametrize("name", ["", "Upper", "has#hash", "space name", "x" * 64, "-lead"])
def test_a_name_outside_the_alphabet_is_refused(store: KeyStore, name: str) -> None:
    with pytest.raises(e.KeyNameInvalid):
        store.create(name, KeyKind.HMAC)


def test_an_unknown_key_is_named_in_the_error(store: KeyStore) -> None:
    with pytest.raises(e.KeyNotFound, match="nope"):
        store.hmac_sign("nope", DATA)


def test_a_key_is_used_only_for_its_kind(store: KeyStore) -> None:
    store.create("mac", KeyKind.HMAC)

    with pytest.raises(e.KeyKindMismatch):
        store.encrypt("mac", b"x", AD)
    with pytest.raises(e.KeyKindMismatch):
        store.sign("mac", DATA)


def test_hmac_verifies_its_own_mac_and_nothing_else(store: KeyStore) -> None:
    store.create("mac", KeyKind.HMAC)
    version, mac = store.hmac_sign("mac", DATA)

    assert len(mac) == 32
    assert store.hmac_verify("mac", DATA, mac, version) == 1
    with pytest.raises(e.VerificationFailed):
        store.hmac_verify("mac", DATA + b"!", mac, version)
    with pytest.raises(e.VerificationFailed):
        store.hmac_verify("mac", DATA, bytes(32))


def test_rotation_keeps_old_macs_verifying_until_the_version_is_retired(store: KeyStore) -> None:
    # given a MAC made under version 1
    store.create("mac", KeyKind.HMAC)
    _, old_mac = store.hmac_sign("mac", DATA)
    # when the key rotates
    assert store.rotate("mac") == 2
    new_version, new_mac = store.hmac_sign("mac", DATA)
    # then version 2 signs and version 1 still verifies, with or without its number
    assert new_version == 2
    assert new_mac != old_mac
    assert store.hmac_verify("mac", DATA, old_mac) == 1
    assert store.hmac_verify("mac", DATA, old_mac, 1) == 1
    assert store.hmac_sign("mac", DATA, 1) == (1, old_mac)
    # when version 1 is retired, then it refuses, by name or by search
    store.retire("mac", 1)
    with pytest.raises(e.KeyRetired):
        store.hmac_sign("mac", DATA, 1)
    with pytest.raises(e.KeyRetired):
        store.hmac_verify("mac", DATA, old_mac, 1)
    with pytest.raises(e.VerificationFailed):
        store.hmac_verify("mac", DATA, old_mac)
    assert store.hmac_verify("mac", DATA, new_mac) == 2


def test_rotation_keeps_old_ciphertexts_decrypting_until_retired(store: KeyStore) -> None:
    store.create("cards", KeyKind.AES_GCM)
    old_blob = store.encrypt("cards", b"4111111111111111", AD)

    store.rotate("cards")
    new_blob = store.encrypt("cards", b"4111111111111111", AD)

    assert unpack_blob(old_blob).version == 1
    assert unpack_blob(new_blob).version == 2
    assert store.decrypt("cards", old_blob, AD) == b"4111111111111111"
    store.retire("cards", 1)
    with pytest.raises(e.KeyRetired):
        store.decrypt("cards", old_blob, AD)
    assert store.decrypt("cards", new_blob, AD) == b"4111111111111111"


def test_rotation_keeps_old_signatures_verifying_until_retired(store: KeyStore) -> None:
    store.create("qr-refs", KeyKind.ECDSA_P256)
    _, old_signature = store.sign("qr-refs", DATA)

    store.rotate("qr-refs")

    assert store.verify("qr-refs", DATA, old_signature) == 1
    store.retire("qr-refs", 1)
    with pytest.raises(e.KeyRetired):
        store.verify("qr-refs", DATA, old_signature, 1)
    with pytest.raises(e.VerificationFailed):
        store.verify("qr-refs", DATA, old_signature)


def test_the_current_version_cannot_be_retired(store: KeyStore) -> None:
    store.create("mac", KeyKind.HMAC)

    with pytest.raises(e.VersionIsCurrent):
        store.retire("mac", 1)
    with pytest.raises(e.KeyNotFound):
        store.retire("mac", 7)


def test_decryption_with_other_associated_data_fails(store: KeyStore) -> None:
    store.create("cards", KeyKind.AES_GCM)
    blob = store.encrypt("cards", b"secret", AD)

    with pytest.raises(e.DecryptionFailed):
        store.decrypt("cards", blob, AD + b"x")
    with pytest.raises(e.DecryptionFailed):
        store.decrypt("cards", blob, b"")


def test_any_altered_byte_of_a_ciphertext_fails(store: KeyStore) -> None:
    store.create("cards", KeyKind.AES_GCM)
    blob = store.encrypt("cards", b"secret", AD)

    for position in range(len(blob)):
        altered = bytearray(blob)
        altered[position] ^= 0x01
        with pytest.raises(e.DecryptionFailed):
            store.decrypt("cards", bytes(altered), AD)
    with pytest.raises(e.DecryptionFailed):
        store.decrypt("cards", blob[:-1], AD)


def test_a_ciphertext_does_not_open_under_another_key(store: KeyStore) -> None:
    store.create("cards", KeyKind.AES_GCM)
    store.create("other", KeyKind.AES_GCM)
    blob = store.encrypt("cards", b"secret", AD)

    with pytest.raises(e.DecryptionFailed):
        store.decrypt("other", blob, AD)


def test_ecdsa_signatures_are_raw_p256_that_any_verifier_accepts(store: KeyStore) -> None:
    store.create("qr-refs", KeyKind.ECDSA_P256)
    version, signature = store.sign("qr-refs", DATA)

    public = load_pem_public_key(store.public_key_pem("qr-refs", version))
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    assert isinstance(public, ec.EllipticCurvePublicKey)
    assert public.curve.name == "secp256r1"
    public.verify(der, DATA, ec.ECDSA(hashes.SHA256()))  # raises when it does not verify
    with pytest.raises(e.VerificationFailed):
        store.verify("qr-refs", DATA + b"!", signature)
    with pytest.raises(e.VerificationFailed):
        store.verify("qr-refs", DATA, signature[:10])


def test_a_rotation_by_another_process_is_seen(
    store_factory: Callable[[], KeyStoreCore],
) -> None:
    worker, operator = store_factory(), store_factory()
    worker.create("mac", KeyKind.HMAC)
    worker.hmac_sign("mac", DATA)

    operator.rotate("mac")

    assert worker.current_version("mac") == 2
    assert worker.hmac_sign("mac", DATA)[0] == 2


def test_a_forked_child_reopens_the_store_and_works(store: KeyStore) -> None:
    # given a store the parent has used (a PKCS#11 module is open in the parent)
    store.create("mac", KeyKind.HMAC)
    store.create("cards", KeyKind.AES_GCM)
    _, parent_mac = store.hmac_sign("mac", DATA)
    blob = store.encrypt("cards", b"4111111111111111", AD)
    # when a worker process is forked from it
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit status only
        os._exit(_child_works(store, parent_mac, blob))
    _, status = os.waitpid(pid, 0)
    # then the child could use the store, and the parent still can
    assert os.waitstatus_to_exitcode(status) == 0
    assert store.hmac_verify("mac", DATA, parent_mac) == 1
    assert store.decrypt("cards", blob, AD) == b"4111111111111111"


def _child_works(store: KeyStore, parent_mac: bytes, blob: bytes) -> int:
    try:
        assert store.hmac_verify("mac", DATA, parent_mac) == 1
        assert store.decrypt("cards", blob, AD) == b"4111111111111111"
        store.encrypt("cards", b"x", AD)
        session_pid = getattr(store, "_session_pid", os.getpid())
        assert session_pid == os.getpid(), "the child reused the parent's session"
    except BaseException:
        return 1
    return 0
