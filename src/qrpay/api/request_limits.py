"""ASGI middleware: limits on a request's header block and on the nesting of its JSON body.

Both answer before the application parses anything: a deep JSON document costs a parser
stack and time out of proportion to its size, and a huge header block costs memory on
every hop. The body is scanned, not parsed: brackets outside strings are counted in one
pass, so depth is checked without recursion and without building a single object.
"""

from __future__ import annotations

import re
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qrpay.api.problems import send_problem
from qrpay.domain.errors import HeadersTooLarge, JsonTooDeep, RequestTooLarge

# A whole string literal (escapes included) or one bracket: strings are skipped in C.
_TOKEN_RE: Final = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_OPENERS: Final = frozenset({b"[", b"{"})
_HEADER_OVERHEAD_BYTES: Final = 4  # ": " and CRLF, as the header would be on the wire
_BODY_METHODS: Final = frozenset({"POST", "PUT", "PATCH"})


def json_depth(body: bytes, depth_max: int) -> int:
    """Nesting depth of ``body``, counting no further than one past ``depth_max``."""
    depth = deepest = 0
    for match in _TOKEN_RE.finditer(body):
        token = match.group()
        if token in _OPENERS:
            depth += 1
            deepest = max(deepest, depth)
            if deepest > depth_max:
                break
        elif token in (b"]", b"}"):
            depth -= 1
    return deepest


def header_bytes(scope: Scope) -> int:
    return sum(len(k) + len(v) + _HEADER_OVERHEAD_BYTES for k, v in scope["headers"])


class HeaderLimit:
    def __init__(self, app: ASGIApp, request_header_bytes_max: int) -> None:
        self.app = app
        self.limit = request_header_bytes_max

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and header_bytes(scope) > self.limit:
            error = HeadersTooLarge(f"the request headers are larger than {self.limit} bytes")
            await send_problem(send, error, scope.get("path"))
            return
        await self.app(scope, receive, send)


class JsonDepthLimit:
    """Refuse JSON bodies nested deeper than ``json_depth_max``; sits inside ``BodyLimit``,
    whose cap bounds what is buffered here."""

    def __init__(self, app: ASGIApp, json_depth_max: int) -> None:
        self.app = app
        self.limit = json_depth_max

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        try:
            body, final = await _read_body(receive)
        except RequestTooLarge as too_large:
            await send_problem(send, too_large, scope.get("path"))
            return
        if json_depth(body, self.limit) > self.limit:
            too_deep = JsonTooDeep(f"the JSON body is nested deeper than {self.limit} levels")
            await send_problem(send, too_deep, scope.get("path"))
            return
        await self.app(scope, _replay(body, final, receive), send)


def _is_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            media: bytes = value.split(b";", 1)[0].strip().lower()
            return media == b"application/json" or media.endswith(b"+json")
    return False


async def _read_body(receive: Receive) -> tuple[bytes, Message | None]:
    """The whole body, and the message that ended the reading when it was not the body's."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), message  # the client went away: pass that on
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), None


def _replay(body: bytes, final: Message | None, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return final if final is not None else await receive()

    return replayed
