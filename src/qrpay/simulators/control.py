"""A very small HTTP/1.1 control endpoint for simulators: JSON in, JSON out, one request
per connection. Standard library only, since a simulator must start in a blink.

Routes are ``(method, path) -> handler(body) -> (status, json)``. Bodies above
``CONTROL_BODY_BYTES_MAX`` and header sections above ``CONTROL_HEADER_BYTES_MAX`` are
refused; every read has a timeout. Bind it to localhost: it has no authentication.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any, Final

CONTROL_BODY_BYTES_MAX: Final = 64 * 1024
CONTROL_HEADER_BYTES_MAX: Final = 8 * 1024
CONTROL_READ_TIMEOUT_MS: Final = 5_000

Handler = Callable[[Any], Awaitable[tuple[int, Any]]]
Routes = dict[tuple[str, str], Handler]
_REASONS: Final = {200: "OK", 400: "Bad Request", 404: "Not Found", 413: "Too Large"}


async def serve_control(routes: Routes, host: str, port: int) -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(CONTROL_READ_TIMEOUT_MS / 1000):
                status, body = await _answer(routes, reader)
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            status, body = 400, {"error": "incomplete or oversized request"}
        payload = json.dumps(body).encode()
        head = (
            f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
            "Connection: close\r\n\r\n"
        )
        writer.write(head.encode() + payload)
        with contextlib.suppress(OSError):
            await writer.drain()
        writer.close()

    return await asyncio.start_server(handle, host, port, limit=CONTROL_HEADER_BYTES_MAX)


async def _answer(routes: Routes, reader: asyncio.StreamReader) -> tuple[int, Any]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3:
        return 400, {"error": "bad request line"}
    method, target, _ = parts
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip()) if value.strip().isdigit() else -1
    if not 0 <= length <= CONTROL_BODY_BYTES_MAX:
        return 413, {"error": f"body over {CONTROL_BODY_BYTES_MAX} bytes or bad length"}
    raw = await reader.readexactly(length) if length else b""
    handler = routes.get((method, target.split("?")[0]))
    if handler is None:
        return 404, {"error": f"no route {method} {target}"}
    try:
        body = json.loads(raw) if raw else {}
    except ValueError:
        return 400, {"error": "body is not JSON"}
    try:
        return await handler(body)
    except (ValueError, TypeError, KeyError) as exc:
        return 400, {"error": str(exc)}
