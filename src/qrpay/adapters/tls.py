"""TLS for ``qrpay serve --tls-cert --tls-key``: TLS 1.2 at least, forward-secret AEAD only.

``server_context`` builds the ``ssl.SSLContext``; ``uvicorn_kwargs`` hands that same context
to uvicorn (through its ``ssl_context_factory``), so the server never falls back to the
library's defaults. TLS 1.3 suites are OpenSSL's own (all AEAD); for TLS 1.2 only ECDHE or
DHE with AES-GCM or ChaCha20-Poly1305 remain: no CBC, no RSA key exchange, no SHA-1.
See docs/tls.md for a self-signed certificate for local use.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from qrpay.domain.errors import TlsConfigInvalid

TLS_VERSION_MIN: Final = ssl.TLSVersion.TLSv1_2
CIPHERS_TLS12: Final = (
    "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:!aNULL:!eNULL:!MD5:!DSS:!SHA1"
)
ALPN: Final = ["http/1.1"]  # what uvicorn's HTTP servers speak


def server_context(
    cert_file: Path, key_file: Path, key_password: str | None = None
) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = TLS_VERSION_MIN
    context.set_ciphers(CIPHERS_TLS12)
    # No compression (CRIME), fresh ECDH keys, and the server's order of preference wins.
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE
    context.options |= ssl.OP_SINGLE_ECDH_USE | ssl.OP_SINGLE_DH_USE
    context.set_alpn_protocols(ALPN)
    try:
        context.load_cert_chain(cert_file, key_file, password=key_password)
    except (OSError, ssl.SSLError) as exc:
        raise TlsConfigInvalid(
            f"cannot load the certificate {cert_file} with the key {key_file}: {exc}"
        ) from exc
    assert context.minimum_version >= TLS_VERSION_MIN
    return context


def uvicorn_kwargs(
    cert_file: Path, key_file: Path, key_password: str | None = None
) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.Config``/``uvicorn.run`` that serve with our context.

    Loading it here first means a bad certificate fails before uvicorn starts.
    """
    context = server_context(cert_file, key_file, key_password)

    def factory(_config: Any, _default: Callable[[], ssl.SSLContext]) -> ssl.SSLContext:
        return context

    return {
        "ssl_certfile": str(cert_file),
        "ssl_keyfile": str(key_file),
        "ssl_keyfile_password": key_password,
        "ssl_ciphers": CIPHERS_TLS12,
        "ssl_context_factory": factory,
    }
