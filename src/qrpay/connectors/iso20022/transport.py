"""HTTP transport of ISO 20022 documents: POST one document, get one back. No business logic.

What went wrong decides what the connector may conclude, so httpx's exceptions are
translated into three facts:

    TransportError
    ├── NotDelivered   nothing reached the network (connection refused, connect timeout)
    ├── NoAnswer       the request may have arrived, no answer came (read timeout, the
    │                  connection closed, a broken HTTP answer, a 5xx)
    └── Refused        the network answered 4xx: it refused the document at the door

Only a safe request (a pacs.028 status request: asking twice changes nothing) is retried,
at most ``retries_max`` times with a doubling pause; a pacs.008 is sent once, whatever
happens. The httpx transport is a constructor argument, so tests pass ``httpx.MockTransport``.
These errors never leave the connector: it turns each into an outcome.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

import anyio
import httpx

MESSAGES_PATH: Final = "/iso20022"
HEALTH_PATH: Final = "/health"
MEDIA_TYPE: Final = "application/xml"
RETRIES_MAX_LIMIT: Final = 5
HTTP_TIMEOUT_MS_MAX: Final = 60_000

Sleep = Callable[[float], Awaitable[None]]


class TransportError(Exception):
    pass


class NotDelivered(TransportError):
    pass


class NoAnswer(TransportError):
    pass


class Refused(TransportError):
    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code


@dataclass(frozen=True, slots=True)
class TransportConfig:
    base_url: str
    http_timeout_ms: int = 2_000
    """Per call: connect, write and read each, and the whole answer."""
    connect_timeout_ms: int = 500
    retries_max: int = 2
    """Extra tries of a safe request, so at most ``retries_max + 1`` calls."""
    retry_backoff_ms: int = 100

    def __post_init__(self) -> None:
        assert 0 < self.http_timeout_ms <= HTTP_TIMEOUT_MS_MAX
        assert 0 < self.connect_timeout_ms <= self.http_timeout_ms
        assert 0 <= self.retries_max <= RETRIES_MAX_LIMIT
        assert 0 <= self.retry_backoff_ms <= HTTP_TIMEOUT_MS_MAX


class HttpTransport:
    def __init__(
        self,
        config: TransportConfig,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = anyio.sleep,
    ) -> None:
        self.config = config
        self._sleep = sleep
        timeout = httpx.Timeout(
            config.http_timeout_ms / 1000, connect=config.connect_timeout_ms / 1000
        )
        self._client = httpx.AsyncClient(
            base_url=config.base_url, transport=transport, timeout=timeout
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def post(self, document: bytes, *, safe: bool) -> bytes:
        """The answer's body; a safe request is retried on ``NotDelivered`` and ``NoAnswer``."""
        tries = self.config.retries_max + 1 if safe else 1
        backoff_ms = self.config.retry_backoff_ms
        for attempt in range(tries):
            try:
                return await self._post_once(document)
            except (NotDelivered, NoAnswer):
                if attempt + 1 == tries:
                    raise
            await self._sleep(backoff_ms / 1000)
            backoff_ms *= 2
        raise AssertionError("unreachable: the last try returns or raises")

    async def _post_once(self, document: bytes) -> bytes:
        response = await self._send("POST", MESSAGES_PATH, document)
        if response.status_code >= 500:
            raise NoAnswer(f"{self.config.base_url} answered {response.status_code}")
        if response.status_code >= 400:
            raise Refused(response.status_code, response.text[:200])
        return response.content

    async def health(self) -> int:
        """The HTTP status of the network's health endpoint; ``TransportError`` without one."""
        return (await self._send("GET", HEALTH_PATH)).status_code

    async def _send(self, method: str, path: str, body: bytes | None = None) -> httpx.Response:
        headers = {"content-type": MEDIA_TYPE} if body is not None else None
        try:
            # httpx's timeouts bound each phase; this bounds the whole call.
            with anyio.fail_after(self.config.http_timeout_ms / 1000):
                return await self._client.request(method, path, content=body, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise NotDelivered(f"could not reach {self.config.base_url}: {exc!r}") from exc
        except (httpx.TransportError, TimeoutError) as exc:
            raise NoAnswer(f"no answer from {self.config.base_url}: {exc!r}") from exc
