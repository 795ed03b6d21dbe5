"""Header block and JSON nesting limits, answered before the application parses anything."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from hypothesis import given
from hypothesis import strategies as st

from qrpay.api.middleware import BodyLimit
from qrpay.api.request_limits import HeaderLimit, JsonDepthLimit, json_depth
from tests.unit.api.asgi import client, echo

JSON = {"Content-Type": "application/json"}


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def _app(depth_max: int = 4, body_bytes_max: int = 1024) -> HeaderLimit:
    inner = BodyLimit(JsonDepthLimit(echo, json_depth_max=depth_max), body_bytes_max)
    return HeaderLimit(inner, request_header_bytes_max=2048)


async def test_a_body_at_the_depth_limit_reaches_the_app_whole() -> None:
    body = b'{"a": [1, {"b": "x"}, [[]]]}'
    async with client(_app(depth_max=4)) as http:
        answer = await http.post("/v1/x", content=body, headers=JSON)

    assert answer.status_code == 200
    assert answer.json()["body"] == body.decode()


async def test_a_body_nested_deeper_than_the_limit_is_refused_with_422() -> None:
    async with client(_app(depth_max=4)) as http:
        answer = await http.post("/v1/x", content=_nested(5), headers=JSON)

    assert answer.status_code == 422
    assert answer.json()["code"] == "request.json_too_deep"


async def test_brackets_inside_strings_do_not_count() -> None:
    body = json.dumps({"note": '[[[[[[{{{{ \\" ]]'}).encode()
    async with client(_app(depth_max=1)) as http:
        answer = await http.post("/v1/x", content=body, headers=JSON)

    assert answer.status_code == 200


async def test_a_json_body_over_the_size_limit_is_refused_with_413() -> None:
    async def chunks() -> AsyncIterator[bytes]:  # no content-length: streamed
        for _ in range(10):
            yield b"[" * 200

    async with client(_app(depth_max=10_000, body_bytes_max=1024)) as http:
        answer = await http.post("/v1/x", content=chunks(), headers=JSON)

    assert answer.status_code == 413
    assert answer.json()["code"] == "request.too_large"


async def test_other_media_types_are_passed_on_unscanned() -> None:
    async with client(_app(depth_max=1)) as http:
        answer = await http.post(
            "/v1/x", content=_nested(50), headers={"Content-Type": "text/plain"}
        )

    assert answer.status_code == 200


async def test_a_header_block_over_the_limit_is_refused_with_431() -> None:
    async with client(_app()) as http:
        answer = await http.get("/v1/x", headers={"X-Padding": "a" * 3000})

    assert answer.status_code == 431
    assert answer.json()["code"] == "request.headers_too_large"


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab'),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=30,
)


def _depth(value: object) -> int:
    # Reference depth by an explicit stack, as the scanner may not recurse either.
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, list | dict):
            level += 1
            deepest = max(deepest, level)
            stack += [
                (child, level) for child in (item.values() if isinstance(item, dict) else item)
            ]
    return deepest


@given(_json_values)
def test_the_scanner_agrees_with_the_parsed_depth(value: object) -> None:
    body = json.dumps(value).encode()

    assert json_depth(body, depth_max=1000) == _depth(value)
