"""A TLS server built by ``adapters/tls.py`` refuses TLS 1.1 and serves TLS 1.2 and 1.3.

The certificate is self-signed, made here with ``cryptography``; the server is a tiny
asyncio echo on 127.0.0.1 with an ephemeral port.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ipaddress
import socket
import ssl
import warnings
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from qrpay.adapters.tls import server_context, uvicorn_kwargs
from qrpay.domain.errors import TlsConfigInvalid


@pytest.fixture(scope="module")
def cert_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    root = tmp_path_factory.mktemp("tls")
    cert_file, key_file = root / "cert.pem", root / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@contextlib.asynccontextmanager
async def _serving(context: ssl.SSLContext) -> AsyncIterator[int]:
    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(await reader.read(100))
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(echo, "127.0.0.1", 0, ssl=context)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
async def port(cert_pair: tuple[Path, Path]) -> AsyncIterator[int]:
    async with _serving(server_context(*cert_pair)) as bound:
        yield bound


def _permissive_server(cert_pair: tuple[Path, Path]) -> ssl.SSLContext:
    """A server that still speaks TLS 1.1: the control that shows the client can."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = ssl.TLSVersion.TLSv1_1
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    context.load_cert_chain(*cert_pair)
    return context


def _client(cert_file: Path, version: ssl.TLSVersion) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(cert_file))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.1 is, which is the point
        context.minimum_version = version
        context.maximum_version = version
    if version < ssl.TLSVersion.TLSv1_2:
        context.set_ciphers("DEFAULT:@SECLEVEL=0")  # let this client offer what it may
    return context


def _blocking_exchange(port: int, context: ssl.SSLContext) -> tuple[bytes, str | None]:
    # A blocking socket: OpenSSL's own error reaches the test (asyncio reports a reset).
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        tls.sendall(b"ping")
        return tls.recv(100), tls.version()


async def _exchange(port: int, context: ssl.SSLContext) -> tuple[bytes, str | None]:
    return await anyio.to_thread.run_sync(_blocking_exchange, port, context)


@pytest.mark.parametrize(
    ("version", "name"), [(ssl.TLSVersion.TLSv1_2, "TLSv1.2"), (ssl.TLSVersion.TLSv1_3, "TLSv1.3")]
)
async def test_tls_1_2_and_1_3_are_served(
    port: int, cert_pair: tuple[Path, Path], version: ssl.TLSVersion, name: str
) -> None:
    echoed, negotiated = await _exchange(port, _client(cert_pair[0], version))

    assert echoed == b"ping"
    assert negotiated == name


async def test_tls_1_1_is_refused_by_the_server(port: int, cert_pair: tuple[Path, Path]) -> None:
    # given a client that can speak TLS 1.1: it does, with a server that allows it
    client = _client(cert_pair[0], ssl.TLSVersion.TLSv1_1)
    try:
        async with _serving(_permissive_server(cert_pair)) as control:
            assert (await _exchange(control, client))[1] == "TLSv1.1"
    except ssl.SSLError as exc:
        pytest.skip(f"this OpenSSL cannot speak TLS 1.1 even to itself ({exc})")
    # when it offers TLS 1.1 to our server, then the handshake fails
    with pytest.raises((ssl.SSLError, ConnectionError)):
        await _exchange(port, client)


def test_uvicorn_is_given_the_same_context(cert_pair: tuple[Path, Path]) -> None:
    async def app(scope: object, receive: object, send: object) -> None:
        return None

    config = uvicorn.Config(app, **uvicorn_kwargs(*cert_pair))
    config.load()

    assert config.ssl is not None
    assert config.ssl.minimum_version == ssl.TLSVersion.TLSv1_2
    assert all(c["protocol"] != "TLSv1.1" for c in config.ssl.get_ciphers())


def test_a_missing_certificate_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(TlsConfigInvalid, match=r"cert\.pem"):
        server_context(tmp_path / "cert.pem", tmp_path / "key.pem")
