"""The HTTP sender's limits, against real sockets on loopback."""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest

from qrpay.adapters.webhooks.addresses import check_endpoint_url
from qrpay.adapters.webhooks.sender import HttpSender, SenderLimits
from qrpay.domain.errors import WebhookUrlRefused
from qrpay.domain.webhook_urls import IpAddress, UrlPolicy
from tests.notifications import LOOPBACK
from tests.webhook_receiver import Receiver

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _resolving_to(address: str) -> Callable[[str, int], Awaitable[list[IpAddress]]]:
    async def resolve(host: str, port: int) -> list[IpAddress]:
        return [ipaddress.ip_address(address)]

    return resolve


async def test_a_name_resolving_to_loopback_is_refused_at_connect_time() -> None:
    # the URL's text is fine; only the connection finds where the name leads
    with Receiver() as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        sender = HttpSender(
            UrlPolicy(require_https=False), SenderLimits(1_000), _resolving_to("127.0.0.1")
        )
        try:
            result = await sender.send(f"http://shop.example:{port}/hooks", {}, b"{}", NOW)
        finally:
            await sender.aclose()
    assert result.status_code is None
    assert result.error is not None
    assert "loopback" in result.error
    assert receiver.receipts == []


@pytest.mark.parametrize(
    ("address", "reason"), [("10.0.0.7", "private"), ("169.254.169.254", "link-local")]
)
async def test_registration_refuses_names_that_resolve_to_private_addresses(
    address: str, reason: str
) -> None:
    with pytest.raises(WebhookUrlRefused, match=reason):
        await check_endpoint_url("https://shop.example/h", UrlPolicy(), _resolving_to(address))


async def test_a_redirect_is_not_followed_but_counted_as_a_failure() -> None:
    with Receiver(fail_first=1, fail_status=302) as receiver:
        sender = HttpSender(LOOPBACK, SenderLimits(2_000))
        try:
            result = await sender.send(receiver.url, {}, b"{}", NOW)
        finally:
            await sender.aclose()
    assert result.status_code == 302
    assert len(receiver.receipts) == 1


async def test_a_silent_receiver_times_out_within_the_attempt_limit() -> None:
    with Receiver(hold_s=2.0) as receiver:
        sender = HttpSender(LOOPBACK, SenderLimits(300))
        try:
            result = await sender.send(receiver.url, {}, b"{}", NOW)
        finally:
            await sender.aclose()
    assert result.status_code is None
    assert result.duration_ms < 1_500
    assert result.error is not None
