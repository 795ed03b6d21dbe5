"""Which webhook URLs and addresses the gateway may call (the pure half of SSRF defence).

A merchant names the URL; the gateway's own network is what it must not be made to reach.
``check_url`` judges the text (scheme, credentials, host, port); ``address_refusal`` judges
one IP address. Host names are resolved by the adapter, which checks every address they
resolve to, when the endpoint is registered and again on every connection (DNS may change
between the two). Refused unless the operator allows private networks
(``QRPAY_WEBHOOK_ALLOW_PRIVATE_NETWORKS=true``):

    loopback (127.0.0.0/8, ::1), private (10/8, 172.16/12, 192.168/16, fc00::/7),
    link-local (169.254/16, fe80::/10), shared address space (100.64/10), and every other
    address that is not globally routable; IPv4 inside IPv6 (::ffff:a.b.c.d, 6to4, Teredo)
    is judged by the IPv4 address it carries

Always refused: unspecified (0.0.0.0, ::) and multicast addresses, which no endpoint has.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from qrpay.domain.errors import WebhookUrlRefused

URL_CHARS_MAX: Final = 2048
HOST_CHARS_MAX: Final = 253
DEFAULT_PORTS: Final = {"https": 443, "http": 80}

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class UrlPolicy:
    require_https: bool = True
    """False only in demo mode, where a merchant tries things on plain http."""
    allow_private_networks: bool = False


@dataclass(frozen=True, slots=True)
class WebhookUrl:
    text: str
    scheme: str
    host: str
    """Lowercase; an IPv6 literal without its brackets."""
    port: int

    @property
    def literal_address(self) -> IpAddress | None:
        try:
            return ipaddress.ip_address(self.host)
        except ValueError:
            return None


def check_url(text: str, policy: UrlPolicy) -> WebhookUrl:
    """The parsed URL, or ``WebhookUrlRefused`` naming what is wrong with it."""
    if not 1 <= len(text) <= URL_CHARS_MAX or not text.isascii() or not text.isprintable():
        raise WebhookUrlRefused(f"a URL of 1 to {URL_CHARS_MAX} printable ASCII characters")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise WebhookUrlRefused(f"the URL does not parse ({exc})") from exc
    allowed = ("https",) if policy.require_https else ("https", "http")
    if parts.scheme not in allowed:
        raise WebhookUrlRefused(f"the URL must use {' or '.join(allowed)}")
    if parts.username is not None or parts.password is not None:
        raise WebhookUrlRefused("the URL must not carry credentials; the signature is the proof")
    if parts.fragment:
        raise WebhookUrlRefused("the URL must not have a fragment")
    host = (parts.hostname or "").rstrip(".")
    if not host or len(host) > HOST_CHARS_MAX:
        raise WebhookUrlRefused("the URL has no host")
    url = WebhookUrl(text, parts.scheme, host, port or DEFAULT_PORTS[parts.scheme])
    address = url.literal_address
    if address is not None:
        check_address(address, policy)
    elif host == "localhost" or host.endswith(".localhost"):
        check_address(ipaddress.ip_address("127.0.0.1"), policy)
    return url


def check_address(address: IpAddress, policy: UrlPolicy) -> None:
    reason = address_refusal(address, policy)
    if reason is not None:
        raise WebhookUrlRefused(f"{address} is a {reason} address; webhooks go to the internet")


def address_refusal(address: IpAddress, policy: UrlPolicy) -> str | None:
    """Why the gateway must not connect to ``address`` (a category name), or None."""
    # IPv4 carried inside IPv6 reaches the IPv4 host: judge that one.
    address = _embedded_ipv4(address) or address
    if address.is_unspecified:
        return "unspecified"
    if address.is_multicast:
        return "multicast"
    if policy.allow_private_networks or address.is_global:
        return None
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_private:
        return "private"
    return "non-global"


def _embedded_ipv4(address: IpAddress) -> ipaddress.IPv4Address | None:
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    return None
