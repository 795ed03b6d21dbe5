"""A tiny ASGI app that echoes what reached it, and a client that calls it in process."""

from __future__ import annotations

import httpx
import orjson
from starlette.types import ASGIApp, Receive, Scope, Send


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers 200 with the body it read, so a test sees what the middleware passed on."""
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    payload = orjson.dumps({"path": scope["path"], "body": body.decode()})
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": payload})


def client(app: ASGIApp, peer: str = "203.0.113.9") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(peer, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://gateway")
