"""The PKCS#11 key store: keys generated inside an HSM and never leaving it.

Every key is created with CKA_SENSITIVE true and CKA_EXTRACTABLE false, so the token
refuses to hand out its value, wrapped or not. A version is one token object labelled
``name#v3`` (both halves of an ECDSA pair carry the label), with CKA_ID set to the name so
all versions of one key are found by an exact search. Retiring relabels the objects
``name#v3#retired``: the material stays (an HSM backup may still need it) but the store
refuses to use it.

Kinds map to key types: HMAC is a CKK_GENERIC_SECRET key used with CKM_SHA256_HMAC,
AES-GCM a 256-bit CKK_AES key, ECDSA a P-256 CKK_EC pair. Signing hashes with SHA-256 in
Python and signs the digest with CKM_ECDSA, which every token has (SoftHSM 2.6 lacks
CKM_ECDSA_SHA256).

A PKCS#11 module does not survive ``fork``: the child inherits the parent's handles, which
mean nothing, or worse, to the HSM. So the module is initialised lazily, in the process
that uses it, and every call checks the pid; a forked worker re-initialises the module and
opens its own session before its first operation. Calls block; the one session is guarded
by a lock, so threads may share the store.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import threading
from collections.abc import Iterator
from typing import Any, Final

import pkcs11
from cryptography.hazmat.primitives import serialization
from pkcs11 import Attribute, KeyType, Mechanism, MechanismFlag, ObjectClass
from pkcs11.exceptions import PKCS11Error, UserAlreadyLoggedIn
from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

from qrpay.adapters.keystore.base import KeyInfo, KeyKind, KeyVersion
from qrpay.adapters.keystore.core import KeyStoreCore
from qrpay.domain.errors import DecryptionFailed, KeyStoreUnavailable

_LABEL_RE: Final = re.compile(
    r"(?P<name>[a-z0-9][a-z0-9._-]{0,62})#v(?P<version>\d+)(?P<retired>#retired)?\Z"
)
_KIND_OF: Final = {
    KeyType.GENERIC_SECRET: KeyKind.HMAC,
    KeyType.AES: KeyKind.AES_GCM,
    KeyType.EC: KeyKind.ECDSA_P256,
}
KEY_BITS: Final = 256
# Never readable, never wrappable out, and relabelled (retired) only.
_SECRET_TEMPLATE: Final[dict[Attribute, Any]] = {
    Attribute.TOKEN: True,
    Attribute.PRIVATE: True,
    Attribute.SENSITIVE: True,
    Attribute.EXTRACTABLE: False,
    Attribute.MODIFIABLE: True,
}
_CAPABILITIES: Final = {
    KeyKind.HMAC: MechanismFlag.SIGN | MechanismFlag.VERIFY,
    KeyKind.AES_GCM: MechanismFlag.ENCRYPT | MechanismFlag.DECRYPT,
    KeyKind.ECDSA_P256: MechanismFlag.SIGN | MechanismFlag.VERIFY,
}

_initialised_in: dict[str, int] = {}
"""Module path -> pid of the process that initialised it, shared by every store."""


def _module(path: str) -> Any:
    """The PKCS#11 module, initialised in this process (again, when this is a forked child)."""
    lib = pkcs11.lib(path)
    if _initialised_in.get(path) != os.getpid():
        if path in _initialised_in:
            # Finalising the copy inherited from the parent touches only this process's
            # memory; some modules refuse it, which is as good.
            with contextlib.suppress(PKCS11Error):
                lib.finalize()
            lib.initialize()
        _initialised_in[path] = os.getpid()
    return lib


class Pkcs11KeyStore(KeyStoreCore):
    def __init__(self, module_path: str, token_label: str, pin: str) -> None:
        self._module_path = module_path
        self._token_label = token_label
        self._pin = pin
        self._lock = threading.RLock()
        self._session: Any = None
        self._session_pid: int | None = None

    # -- the session ---------------------------------------------------------------------

    def _open_session(self) -> Any:
        """This process's session, opened on first use and again after a fork."""
        if self._session is not None and self._session_pid == os.getpid():
            return self._session
        # An inherited session object is dropped, never closed: closing would send the
        # parent's handle to the module from the child (and closing a logged-in session
        # logs out every session of the process).
        self._session = None
        try:
            token = _module(self._module_path).get_token(token_label=self._token_label)
            self._session = _logged_in_session(token, self._pin)
        except PKCS11Error as exc:
            raise KeyStoreUnavailable(
                f"cannot open token {self._token_label!r} with module {self._module_path}: "
                f"{type(exc).__name__}"
            ) from exc
        self._session_pid = os.getpid()
        return self._session

    @contextlib.contextmanager
    def _hsm(self) -> Iterator[Any]:
        """A session to use under the lock; a token error becomes ``KeyStoreUnavailable``."""
        with self._lock:
            session = self._open_session()
            try:
                yield session
            except PKCS11Error as exc:
                raise KeyStoreUnavailable(f"the HSM refused: {type(exc).__name__}") from exc

    # -- catalogue -----------------------------------------------------------------------

    def _catalogue(self) -> dict[str, KeyInfo]:
        with self._hsm() as session:
            return _infos(self._key_objects(session, {}))

    def _catalogue_of(self, name: str) -> KeyInfo | None:
        with self._hsm() as session:
            return _infos(self._key_objects(session, {Attribute.ID: name.encode()})).get(name)

    @staticmethod
    def _key_objects(session: Any, attrs: dict[Attribute, Any]) -> list[Any]:
        found = []
        for object_class in (ObjectClass.SECRET_KEY, ObjectClass.PRIVATE_KEY):
            found += list(session.get_objects({**attrs, Attribute.CLASS: object_class}))
        return found

    def _changing(self) -> contextlib.AbstractContextManager[None]:
        # Within this process only: rotation is an operator's act, one at a time.
        return self._lock  # type: ignore[return-value]

    def _generate(self, name: str, kind: KeyKind, version: int) -> None:
        label, key_id = f"{name}#v{version}", name.encode()
        with self._hsm() as session:
            if kind is KeyKind.ECDSA_P256:
                params = session.create_domain_parameters(
                    KeyType.EC,
                    {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")},
                    local=True,
                )
                params.generate_keypair(
                    store=True,
                    label=label,
                    id=key_id,
                    capabilities=_CAPABILITIES[kind],
                    public_template={Attribute.MODIFIABLE: True},
                    private_template=_SECRET_TEMPLATE,
                )
                return
            key_type = KeyType.GENERIC_SECRET if kind is KeyKind.HMAC else KeyType.AES
            session.generate_key(
                key_type,
                KEY_BITS,
                label=label,
                id=key_id,
                store=True,
                capabilities=_CAPABILITIES[kind],
                template=_SECRET_TEMPLATE,
            )

    def _mark_retired(self, name: str, version: int) -> None:
        label = f"{name}#v{version}"
        with self._hsm() as session:
            for key in session.get_objects({Attribute.LABEL: label, Attribute.ID: name.encode()}):
                key[Attribute.LABEL] = label + "#retired"

    # -- operations ----------------------------------------------------------------------

    def _key(self, session: Any, name: str, version: int, object_class: ObjectClass) -> Any:
        return session.get_key(object_class=object_class, label=f"{name}#v{version}")

    def _mac(self, name: str, version: int, data: bytes) -> bytes:
        with self._hsm() as session:
            key = self._key(session, name, version, ObjectClass.SECRET_KEY)
            mac: bytes = key.sign(data, mechanism=Mechanism.SHA256_HMAC)
            return mac

    def _seal(self, name: str, version: int, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
        with self._hsm() as session:
            key = self._key(session, name, version, ObjectClass.SECRET_KEY)
            sealed: bytes = key.encrypt(
                plaintext, mechanism=Mechanism.AES_GCM, mechanism_param=pkcs11.GCMParams(nonce, aad)
            )
            return sealed

    def _open(self, name: str, version: int, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
        with self._hsm() as session:
            key = self._key(session, name, version, ObjectClass.SECRET_KEY)
            try:
                opened: bytes = key.decrypt(
                    ciphertext,
                    mechanism=Mechanism.AES_GCM,
                    mechanism_param=pkcs11.GCMParams(nonce, aad),
                )
            except PKCS11Error as exc:
                # Tokens disagree on the code for a bad tag (SoftHSM: CKR_GENERAL_ERROR).
                raise DecryptionFailed(
                    f"the ciphertext or its associated data was altered (key {name!r})"
                ) from exc
            return opened

    def _sign(self, name: str, version: int, data: bytes) -> bytes:
        with self._hsm() as session:
            key = self._key(session, name, version, ObjectClass.PRIVATE_KEY)
            signature: bytes = key.sign(hashlib.sha256(data).digest(), mechanism=Mechanism.ECDSA)
            return signature

    def _signature_matches(self, name: str, version: int, data: bytes, signature: bytes) -> bool:
        with self._hsm() as session:
            key = self._key(session, name, version, ObjectClass.PUBLIC_KEY)
            try:
                return bool(
                    key.verify(hashlib.sha256(data).digest(), signature, mechanism=Mechanism.ECDSA)
                )
            except PKCS11Error:
                return False  # a signature of the wrong length, say: no match either way

    def _public_pem(self, name: str, version: int) -> bytes:
        with self._hsm() as session:
            der = encode_ec_public_key(self._key(session, name, version, ObjectClass.PUBLIC_KEY))
        return serialization.load_der_public_key(der).public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def _logged_in_session(token: Any, pin: str) -> Any:
    """A read/write session of the user. Login belongs to the whole process, not a session:
    when another store here has logged in already, a plain session shares that login."""
    try:
        return token.open(rw=True, user_pin=pin)
    except UserAlreadyLoggedIn:
        return token.open(rw=True)


def _infos(objects: list[Any]) -> dict[str, KeyInfo]:
    """Group labelled token objects into keys; objects not labelled by us are not ours."""
    kinds: dict[str, KeyKind] = {}
    versions: dict[str, list[KeyVersion]] = {}
    for obj in objects:
        match = _LABEL_RE.match(obj.label)
        kind = _KIND_OF.get(obj.key_type)
        if match is None or kind is None:
            continue
        name = match["name"]
        kinds[name] = kind
        versions.setdefault(name, []).append(
            KeyVersion(int(match["version"]), retired=match["retired"] is not None)
        )
    return {
        name: KeyInfo(name, kinds[name], tuple(sorted(vs, key=lambda v: v.version)))
        for name, vs in versions.items()
    }
