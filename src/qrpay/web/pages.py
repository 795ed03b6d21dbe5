"""Serve the built front ends: three HTML pages and their hashed assets.

    /pay/{checkout_id}  pay.html        hosted checkout page (the checkout's ``hosted_url``)
    /wallet             wallet.html     payer's wallet
    /dashboard          dashboard.html  operator dashboard
    /assets/...         scripts, styles, WebAssembly; names carry a content hash

Assets never change under a name, so they are cached for a year (``immutable``); pages
are ``no-cache`` (revalidated each time), so a new build shows at the next load. Pages
carry a strict Content-Security-Policy: everything from this origin, nothing from
anywhere else (no CDN, no web font), and ``Referrer-Policy: no-referrer`` because a
checkout page's URL is a capability. When the folder was never built, a page answers 503
with a short page that says how to build it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

BUILT_DIR: Final = Path(__file__).parent / "static"
ASSET_CACHE_CONTROL: Final = "public, max-age=31536000, immutable"
PAGE_CACHE_CONTROL: Final = "no-cache"
CONTENT_SECURITY_POLICY: Final = "; ".join(
    (
        "default-src 'self'",
        # zxing-wasm compiles its WebAssembly module: that needs 'wasm-unsafe-eval'.
        "script-src 'self' 'wasm-unsafe-eval'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
PAGE_HEADERS: Final = {
    "Cache-Control": PAGE_CACHE_CONTROL,
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    # The wallet scans with the camera; nothing else may ask for it.
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
}
NOT_BUILT: Final = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>qrpay: web pages not built</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto;
 padding: 0 1rem; line-height: 1.5; color: #111; background: #fff">
<main><h1>The web pages are not built</h1>
<p>This gateway serves its checkout page, wallet and dashboard from a folder that the
build makes. Build it once from the repository with Node.js 20 or newer:</p>
<pre>./scripts/setup</pre>
<p>(or <code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code>), then reload.
The HTTP API works without it: <a href="/docs">/docs</a>.</p></main></body></html>
"""


class _Assets(StaticFiles):
    """Static files whose names carry a content hash: cacheable for a year."""

    async def check_config(self) -> None:
        # Before the first build there is no folder: its assets are 404s, not a crash.
        if self.directory is not None and os.path.isdir(self.directory):
            await super().check_config()

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = ASSET_CACHE_CONTROL
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def page_response(root: Path, name: str) -> Response:
    path = root / name
    if not path.is_file():
        return HTMLResponse(NOT_BUILT, status_code=503, headers={"Cache-Control": "no-store"})
    return FileResponse(path, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)


def mount(app: FastAPI, root: Path = BUILT_DIR) -> None:
    """Add the page routes and the asset folder to ``app``."""

    async def checkout_page(checkout_id: str) -> Response:
        # The page reads the checkout itself, so an unknown id shows the page's own
        # "not found" state rather than a bare error.
        return page_response(root, "pay.html")

    async def wallet_page(request: Request) -> Response:
        return page_response(root, "wallet.html")

    async def dashboard_page(request: Request) -> Response:
        return page_response(root, "dashboard.html")

    options = {"include_in_schema": False, "response_class": Response}
    app.add_api_route("/pay/{checkout_id}", checkout_page, methods=["GET", "HEAD"], **options)  # type: ignore[arg-type]
    app.add_api_route("/wallet", wallet_page, methods=["GET", "HEAD"], **options)  # type: ignore[arg-type]
    app.add_api_route("/dashboard", dashboard_page, methods=["GET", "HEAD"], **options)  # type: ignore[arg-type]
    app.mount("/assets", _Assets(directory=root / "assets", check_dir=False), name="assets")
