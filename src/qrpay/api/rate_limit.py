"""ASGI middleware: rate limits per client address and per bearer credential.

Every request takes a token from its address's bucket and, when it carries a bearer
credential, from that credential's bucket too; either one empty answers 429 problem+json
(``rate_limit.exceeded``) with ``Retry-After``. The credential's bucket is keyed by a hash
of the secret, so no secret reaches Redis or a heap dump of the buckets.

The client address is the TCP peer's. ``X-Forwarded-For`` is believed only when that peer
is a trusted proxy, and then only as far as the chain of trusted proxies goes: the address
used is the rightmost one no trusted proxy vouches for, since anything left of it was
written by the client and can be anything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from typing import Final

from starlette.types import ASGIApp, Receive, Scope, Send

from qrpay.adapters.rate_limit.base import RateLimiter
from qrpay.api.problems import send_problem
from qrpay.domain.errors import RateLimited

Network = IPv4Network | IPv6Network
EXEMPT_PATHS: Final = frozenset({"/healthz", "/readyz", "/metrics"})
"""Load balancer probes and scrapes come often and from few addresses: never limited."""
FORWARDED_HOPS_MAX: Final = 32


@dataclass(frozen=True)
class RateLimits:
    per_address: RateLimiter
    per_credential: RateLimiter
    trusted_proxies: tuple[Network, ...] = ()


class RateLimit:
    def __init__(self, app: ASGIApp, limits: RateLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        headers = scope["headers"]
        address = client_address(scope, self.limits.trusted_proxies)
        decision = await self.limits.per_address.take("addr:" + address)
        if decision.allowed:
            credential = credential_key(headers)
            if credential is not None:
                decision = await self.limits.per_credential.take("cred:" + credential)
        if not decision.allowed:
            error = RateLimited("too many requests; slow down", decision.retry_after_s)
            await send_problem(send, error, scope.get("path"))
            return
        await self.app(scope, receive, send)


def credential_key(headers: Sequence[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"authorization":
            scheme, _, secret = value.partition(b" ")
            if scheme.lower() == b"bearer" and secret.strip():
                return hashlib.sha256(secret.strip()).hexdigest()[:32]
    return None


def client_address(scope: Scope, trusted: tuple[Network, ...]) -> str:
    client = scope.get("client")
    peer = client[0] if client else "unknown"
    if not _is_trusted(peer, trusted):
        return peer
    hops = _forwarded_for(scope["headers"])
    nearest = peer
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            # Not an address at all: a proxy we trust passed on garbage; stop at that proxy.
            return hop if _parse(hop) is not None else nearest
        nearest = hop
    return nearest


def _forwarded_for(headers: Sequence[tuple[bytes, bytes]]) -> list[str]:
    hops: list[str] = []
    for name, value in headers:
        if name == b"x-forwarded-for":
            hops += [hop.strip() for hop in value.decode("latin-1").split(",") if hop.strip()]
    return hops[-FORWARDED_HOPS_MAX:]


def _parse(text: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(text)
    except ValueError:
        return None


def _is_trusted(text: str, trusted: tuple[Network, ...]) -> bool:
    address = _parse(text)
    return address is not None and any(address in network for network in trusted)
