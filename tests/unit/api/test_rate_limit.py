"""Rate limits at the HTTP edge: per address, per credential, and whom X-Forwarded-For
is believed from."""

from __future__ import annotations

from ipaddress import ip_network

import pytest

from qrpay.adapters.rate_limit.base import BucketRule
from qrpay.adapters.rate_limit.memory import InProcessRateLimiter
from qrpay.api.rate_limit import RateLimit, RateLimits, client_address
from tests.unit.api.asgi import client, echo

PROXY = "10.0.0.5"
TRUSTED = (ip_network("10.0.0.0/8"),)


class Clock:
    now_s = 0.0

    def __call__(self) -> float:
        return self.now_s


def _limits(address_burst: int = 2, credential_burst: int = 2) -> RateLimits:
    clock = Clock()
    return RateLimits(
        per_address=InProcessRateLimiter(BucketRule(1.0, address_burst), clock_s=clock),
        per_credential=InProcessRateLimiter(BucketRule(1.0, credential_burst), clock_s=clock),
        trusted_proxies=TRUSTED,
    )


async def test_over_the_limit_answers_429_problem_with_retry_after() -> None:
    async with client(RateLimit(echo, _limits(address_burst=2))) as http:
        statuses = [(await http.get("/v1/payments")).status_code for _ in range(2)]
        refused = await http.get("/v1/payments")

    assert statuses == [200, 200]
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "rate_limit.exceeded"


async def test_each_credential_has_its_own_bucket() -> None:
    app = RateLimit(echo, _limits(address_burst=100, credential_burst=1))
    async with client(app) as http:
        first = await http.get("/", headers={"Authorization": "Bearer sk_one_aaaaaaaaaaaa"})
        again = await http.get("/", headers={"Authorization": "Bearer sk_one_aaaaaaaaaaaa"})
        other = await http.get("/", headers={"Authorization": "Bearer sk_two_bbbbbbbbbbbb"})

    assert [first.status_code, again.status_code, other.status_code] == [200, 429, 200]


async def test_health_probes_are_never_limited() -> None:
    async with client(RateLimit(echo, _limits(address_burst=1))) as http:
        statuses = {(await http.get("/healthz")).status_code for _ in range(5)}

    assert statuses == {200}


async def test_forwarded_for_from_an_untrusted_peer_is_ignored() -> None:
    app = RateLimit(echo, _limits(address_burst=1))
    async with client(app, peer="198.51.100.7") as http:
        first = await http.get("/", headers={"X-Forwarded-For": "192.0.2.1"})
        # a new made-up address per request must not buy a new bucket
        second = await http.get("/", headers={"X-Forwarded-For": "192.0.2.2"})

    assert [first.status_code, second.status_code] == [200, 429]


async def test_forwarded_for_from_a_trusted_proxy_limits_each_client_apart() -> None:
    app = RateLimit(echo, _limits(address_burst=1))
    async with client(app, peer=PROXY) as http:
        first = await http.get("/", headers={"X-Forwarded-For": "192.0.2.1"})
        second = await http.get("/", headers={"X-Forwarded-For": "192.0.2.2"})
        again = await http.get("/", headers={"X-Forwarded-For": "192.0.2.1"})

    assert [first.status_code, second.status_code, again.status_code] == [200, 200, 429]


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("198.51.100.7", "192.0.2.1", "198.51.100.7"),  # untrusted peer: header ignored
        (PROXY, "192.0.2.1", "192.0.2.1"),
        (PROXY, "6.6.6.6, 192.0.2.1", "192.0.2.1"),  # the client wrote 6.6.6.6 itself
        (PROXY, "192.0.2.1, 10.0.0.9", "192.0.2.1"),  # two proxies of ours in a row
        (PROXY, "10.0.0.8, 10.0.0.9", "10.0.0.8"),  # all ours: the farthest one
        (PROXY, "not-an-ip", PROXY),  # garbage: stop at the proxy that passed it on
        (PROXY, "", PROXY),
    ],
)
def test_the_client_address_is_the_rightmost_hop_no_trusted_proxy_vouches_for(
    peer: str, forwarded: str, expected: str
) -> None:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    scope = {"type": "http", "client": (peer, 1), "headers": headers}

    assert client_address(scope, TRUSTED) == expected
