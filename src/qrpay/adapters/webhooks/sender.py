"""``HttpSender``: one webhook attempt as an HTTP POST, within limits.

- Redirects are never followed (their target was not validated): a 3xx is a failure.
- Every new connection goes through ``GuardedBackend``, which resolves the host itself,
  refuses it when any address is refused by the URL policy, and connects to the address it
  checked (TLS still verifies the certificate against the host name, via SNI).
- One attempt takes at most ``attempt_timeout_ms`` end to end, connecting and reading
  included (a server that drips its answer byte by byte is cut off too).
- At most ``response_bytes_max`` of the response body are read; the rest is dropped.
- No proxy from the environment (``trust_env=False``): a proxy would connect for us, to
  addresses we never checked.
"""

from __future__ import annotations

import asyncio
import ssl
import time
import typing
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import httpcore
import httpx

from qrpay.adapters.webhooks.addresses import Resolver, checked_addresses, system_resolver
from qrpay.domain.errors import WebhookUrlRefused
from qrpay.domain.webhook_urls import UrlPolicy, check_url
from qrpay.domain.webhooks import AttemptResult

USER_AGENT: Final = "qrpay-webhooks/1"
CONTENT_TYPE: Final = "application/json"


@dataclass(frozen=True, slots=True)
class SenderLimits:
    attempt_timeout_ms: int = 10_000
    response_bytes_max: int = 64 * 1024
    connections_max: int = 100

    def __post_init__(self) -> None:
        assert 100 <= self.attempt_timeout_ms <= 120_000
        assert 0 <= self.response_bytes_max <= 1024 * 1024
        assert self.connections_max >= 1


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses the URL policy allows, checked at connect time."""

    def __init__(self, policy: UrlPolicy, resolver: Resolver = system_resolver) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._policy = policy
        self._resolver = resolver

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await checked_addresses(host, port, self._policy, self._resolver)
        except WebhookUrlRefused as exc:
            raise httpcore.ConnectError(exc.message) from exc
        return await self._inner.connect_tcp(
            str(addresses[0]), port, timeout, local_address, socket_options
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks do not use unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class HttpSender:
    def __init__(
        self,
        policy: UrlPolicy,
        limits: SenderLimits | None = None,
        resolver: Resolver = system_resolver,
    ) -> None:
        self.limits = limits or SenderLimits()
        self._policy = policy
        transport = httpx.AsyncHTTPTransport(trust_env=False)
        # httpx takes no network backend; its pool is rebuilt around ours (tested).
        transport._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl.create_default_context(),
            max_connections=self.limits.connections_max,
            network_backend=GuardedBackend(policy, resolver),
        )
        timeout_s = self.limits.attempt_timeout_ms / 1000
        self._client = httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(timeout_s),
            headers={"user-agent": USER_AGENT, "content-type": CONTENT_TYPE},
        )

    async def send(
        self, url: str, headers: dict[str, str], body: bytes, started_at: datetime
    ) -> AttemptResult:
        """POST the body; a result with the status, or with the error when none came."""
        began_ns = time.monotonic_ns()
        try:
            check_url(url, self._policy)
            async with asyncio.timeout(self.limits.attempt_timeout_ms / 1000):
                status = await self._post(url, headers, body)
        except WebhookUrlRefused as exc:
            return self._result(started_at, began_ns, None, exc.message)
        except TimeoutError:
            return self._result(started_at, began_ns, None, "timed out")
        except httpx.HTTPError as exc:
            return self._result(started_at, began_ns, None, f"{type(exc).__name__}: {exc}")
        return self._result(started_at, began_ns, status, None)

    async def _post(self, url: str, headers: dict[str, str], body: bytes) -> int:
        async with self._client.stream("POST", url, headers=headers, content=body) as response:
            read = 0
            async for chunk in response.aiter_raw():
                read += len(chunk)
                if read >= self.limits.response_bytes_max:
                    break  # the status is what counts; the rest of the body is dropped
            return response.status_code

    @staticmethod
    def _result(
        started_at: datetime, began_ns: int, status: int | None, error: str | None
    ) -> AttemptResult:
        duration_ms = (time.monotonic_ns() - began_ns) // 1_000_000
        if status is not None:
            return AttemptResult(started_at, duration_ms, status)
        return AttemptResult(started_at, duration_ms, None, error or "no answer")

    async def aclose(self) -> None:
        await self._client.aclose()
