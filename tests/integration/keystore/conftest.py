"""Key stores to run the one behaviour suite against: software, and PKCS#11 on SoftHSM2.

SoftHSM2 gets a token of its own per test session, in a temporary directory named by
``SOFTHSM2_CONF``. Without the ``softhsm2`` package the PKCS#11 tests are skipped, with a
line saying so, except in CI (``CI=true``), where a missing HSM is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from qrpay.adapters.keystore.base import KeyStore
from qrpay.adapters.keystore.core import KeyStoreCore
from qrpay.adapters.keystore.pkcs11 import Pkcs11KeyStore
from qrpay.adapters.keystore.software import SoftwareKeyStore

MODULE_PATHS = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
)
TOKEN_LABEL = "qrpay-test"
PIN = "123456"
SO_PIN = "12345678"
MASTER_KEY = bytes(range(32))


@dataclass(frozen=True)
class SoftHsm:
    module: str
    token: str
    pin: str


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must install the Debian package softhsm2")
    pytest.skip(f"{reason}: install the Debian package softhsm2 to run the PKCS#11 tests")


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftHsm]:
    util = shutil.which("softhsm2-util")
    module = next((path for path in MODULE_PATHS if Path(path).exists()), None)
    if util is None or module is None:
        _missing("softhsm2-util or libsofthsm2.so is not installed")
    assert util is not None
    assert module is not None
    root = tmp_path_factory.mktemp("softhsm")
    (root / "tokens").mkdir()
    conf = root / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    patch = pytest.MonkeyPatch()
    patch.setenv("SOFTHSM2_CONF", str(conf))
    init = [util, "--init-token", "--free", "--label", TOKEN_LABEL]
    subprocess.run([*init, "--pin", PIN, "--so-pin", SO_PIN], check=True, capture_output=True)
    yield SoftHsm(module, TOKEN_LABEL, PIN)
    patch.undo()


def pkcs11_store(hsm: SoftHsm) -> Pkcs11KeyStore:
    return Pkcs11KeyStore(hsm.module, hsm.token, hsm.pin)


def destroy_all_keys(hsm: SoftHsm) -> None:
    """One token serves the whole session; each test starts with it empty."""
    # The store's own session: a session of our own, closed, would log out every other.
    session = pkcs11_store(hsm)._open_session()
    for obj in list(session.get_objects()):
        obj.destroy()


@pytest.fixture(params=["software", "pkcs11"])
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def store_factory(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[], KeyStoreCore]]:
    """Makes stores over one backing (file or token): two of them act as two processes."""
    if backend == "software":
        yield lambda: SoftwareKeyStore(MASTER_KEY, tmp_path / "keys.json")
        return
    hsm: SoftHsm = request.getfixturevalue("softhsm")
    destroy_all_keys(hsm)
    yield lambda: pkcs11_store(hsm)
    destroy_all_keys(hsm)


@pytest.fixture
def store(store_factory: Callable[[], KeyStoreCore]) -> KeyStore:
    made: KeyStore = store_factory()
    return made
