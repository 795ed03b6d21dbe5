"""Webhook URL and address rules: what the gateway refuses to call, case by case."""

from __future__ import annotations

import ipaddress

import pytest

from qrpay.domain.errors import WebhookUrlRefused
from qrpay.domain.webhook_urls import UrlPolicy, address_refusal, check_url

STRICT = UrlPolicy()
DEMO = UrlPolicy(require_https=False)
OPEN = UrlPolicy(allow_private_networks=True)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.254", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("100.64.0.1", "non-global"),
        ("192.0.2.1", "private"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 (an address judged, not bound)
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("2002:a00:1::", "private"),
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", "private"),
        ("93.184.216.34", None),
        ("2606:4700::1111", None),
        ("::ffff:93.184.216.34", None),
    ],
)
def test_addresses_are_judged_by_what_they_reach(address: str, reason: str | None) -> None:
    assert address_refusal(ipaddress.ip_address(address), STRICT) == reason


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.1", "169.254.1.1", "::1", "fe80::1"])
def test_the_operator_may_allow_private_networks(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address), OPEN) is None


@pytest.mark.parametrize("address", ["0.0.0.0", "224.0.0.1", "::"])  # noqa: S104
def test_unspecified_and_multicast_are_refused_even_when_private_is_allowed(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address), OPEN) is not None


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("http://shop.example.com/hook", "https"),
        ("ftp://shop.example.com/hook", "https"),
        ("https://user:pw@shop.example.com/hook", "credentials"),
        ("https://shop.example.com/hook#x", "fragment"),
        ("https:///hook", "no host"),
        ("https://127.0.0.1/hook", "loopback"),
        ("https://[::1]:8443/hook", "loopback"),
        ("https://localhost/hook", "loopback"),
        ("https://api.localhost/hook", "loopback"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://shop.example.com:99999/hook", "parse"),
        ("https://shop.example.com/h\u00e9", "ASCII"),
        ("https://" + "a" * 2050, "2048"),
    ],
)
def test_bad_urls_are_refused_with_the_reason(url: str, fragment: str) -> None:
    with pytest.raises(WebhookUrlRefused, match=fragment):
        check_url(url, STRICT)


def test_demo_mode_allows_plain_http() -> None:
    assert check_url("http://shop.example.com/hook", DEMO).port == 80


def test_a_good_url_is_parsed() -> None:
    url = check_url("https://Shop.Example.com:8443/hooks?x=1", STRICT)
    assert (url.scheme, url.host, url.port) == ("https", "shop.example.com", 8443)
