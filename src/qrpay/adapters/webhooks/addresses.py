"""Resolve a webhook host and refuse it when any of its addresses is one we must not call.

Used twice: when an endpoint is registered (a clear error for the merchant), and by the
sender's network backend on every new connection, which connects only to an address it has
just checked. Checking at registration alone would let DNS change underneath (rebinding).
Every address a name resolves to is checked, not only the first: a name that mixes public
and private addresses is refused whole.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from typing import Final

from qrpay.domain.errors import WebhookUrlRefused
from qrpay.domain.webhook_urls import IpAddress, UrlPolicy, WebhookUrl, check_address, check_url

RESOLVE_TIMEOUT_S: Final = 5.0
ADDRESSES_MAX: Final = 32

Resolver = Callable[[str, int], Awaitable[list[IpAddress]]]


async def system_resolver(host: str, port: int) -> list[IpAddress]:
    """The operating system's resolver (getaddrinfo), off the event loop's thread."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT_S):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError) as exc:
        raise WebhookUrlRefused(f"the host {host!r} does not resolve") from exc
    found: list[IpAddress] = []
    for info in infos[:ADDRESSES_MAX]:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


async def checked_addresses(
    host: str, port: int, policy: UrlPolicy, resolver: Resolver = system_resolver
) -> list[IpAddress]:
    """The addresses to connect to; ``WebhookUrlRefused`` when one is refused or none."""
    try:
        literal: IpAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    addresses = [literal] if literal is not None else await resolver(host, port)
    if not addresses:
        raise WebhookUrlRefused(f"the host {host!r} has no address")
    for address in addresses:
        check_address(address, policy)
    return addresses


async def check_endpoint_url(
    text: str, policy: UrlPolicy, resolver: Resolver = system_resolver
) -> WebhookUrl:
    """Registration's check: the URL's text, then every address its host resolves to."""
    url = check_url(text, policy)
    await checked_addresses(url.host, url.port, policy, resolver)
    return url
