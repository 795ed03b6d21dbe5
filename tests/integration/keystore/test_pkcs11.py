"""What only an HSM can promise: key values never leave the token."""

from __future__ import annotations

import pytest
from pkcs11 import Attribute, KeyType, ObjectClass
from pkcs11.exceptions import AttributeSensitive

from qrpay.adapters.keystore.base import KeyKind
from qrpay.domain.errors import KeyStoreUnavailable
from tests.integration.keystore.conftest import SoftHsm, destroy_all_keys, pkcs11_store


@pytest.fixture
def hsm(softhsm: SoftHsm) -> SoftHsm:
    destroy_all_keys(softhsm)
    return softhsm


@pytest.mark.parametrize(
    ("kind", "object_class"),
    [
        (KeyKind.HMAC, ObjectClass.SECRET_KEY),
        (KeyKind.AES_GCM, ObjectClass.SECRET_KEY),
        (KeyKind.ECDSA_P256, ObjectClass.PRIVATE_KEY),
    ],
)
def test_keys_made_in_the_hsm_cannot_be_read_out(
    hsm: SoftHsm, kind: KeyKind, object_class: ObjectClass
) -> None:
    store = pkcs11_store(hsm)
    store.create("k", kind)
    store.rotate("k")

    session = store._open_session()
    for version in (1, 2):
        key = session.get_key(object_class=object_class, label=f"k#v{version}")
        assert key[Attribute.EXTRACTABLE] is False
        assert key[Attribute.NEVER_EXTRACTABLE] is True
        assert key[Attribute.SENSITIVE] is True
        with pytest.raises(AttributeSensitive):
            key[Attribute.VALUE]


def test_retiring_relabels_the_version_and_keeps_the_object(hsm: SoftHsm) -> None:
    store = pkcs11_store(hsm)
    store.create("k", KeyKind.ECDSA_P256)
    store.rotate("k")

    store.retire("k", 1)

    session = store._open_session()
    labels = sorted(obj[Attribute.LABEL] for obj in session.get_objects({Attribute.ID: b"k"}))
    assert labels == ["k#v1#retired", "k#v1#retired", "k#v2", "k#v2"]


def test_objects_not_labelled_by_the_store_are_not_keys_of_it(hsm: SoftHsm) -> None:
    store = pkcs11_store(hsm)
    session = store._open_session()
    session.generate_key(KeyType.AES, 128, label="someone-else", store=True)

    assert store.list() == []


def test_a_token_that_is_not_there_is_a_typed_unavailable_error(hsm: SoftHsm) -> None:
    store = type(pkcs11_store(hsm))(hsm.module, "no-such-token", hsm.pin)

    with pytest.raises(KeyStoreUnavailable, match="no-such-token"):
        store.list()
