"""The application wires every request limit, in an order where cheap refusals come first."""

from __future__ import annotations

from qrpay.adapters.rate_limit.base import BucketRule
from qrpay.adapters.rate_limit.memory import InProcessRateLimiter
from qrpay.api.app import create_app
from qrpay.api.rate_limit import RateLimits
from qrpay.api.state import ApiState, Limits
from tests.fakes.context import harness
from tests.unit.api.asgi import client


async def _ready() -> None:
    return None


def _app(burst: int) -> object:
    h = harness()
    rule = BucketRule(rate_per_s=0.001, burst=burst)
    state = ApiState(
        ctx=h.ctx,
        tokens=h.tokens,
        operator_key_hash="0" * 64,
        ready=_ready,
        limits=Limits(request_header_bytes_max=2048, json_depth_max=3),
        rate_limits=RateLimits(InProcessRateLimiter(rule), InProcessRateLimiter(rule)),
    )
    return create_app(state)


async def test_the_app_refuses_deep_json_large_headers_and_floods() -> None:
    app = _app(burst=2)  # the deep body takes one, the large headers none
    async with client(app) as http:  # type: ignore[arg-type]
        deep = await http.post(
            "/v1/merchants", content=b"[[[[1]]]]", headers={"Content-Type": "application/json"}
        )
        large = await http.get("/v1/merchants", headers={"X-Padding": "a" * 4000})
        unauthenticated = await http.get("/v1/merchants")
        flooded = await http.get("/v1/merchants")

    assert deep.json()["code"] == "request.json_too_deep"
    assert large.status_code == 431  # refused before it took a token
    assert unauthenticated.status_code == 401
    assert flooded.status_code == 429
