"""Browser tests: headless Chromium (Debian's ``chromium``) driven by Playwright for Python,
against ``qrpay serve --demo`` running as its own process.

Playwright never downloads a browser here: it launches ``/usr/bin/chromium`` by
``executable_path``. Without that binary, or without the built web pages
(``./scripts/setup`` builds them), these tests are skipped with the reason, except under
``CI=true``, where they fail: CI must run them (``.ci/run`` installs chromium).

One server and one browser serve the whole module; each test opens its own context (a
fresh profile: no cookies, no storage). ``Screens.shoot`` saves a screen at 390 px and
1280 px wide into ``docs/screenshots/``, which the README links.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import httpx
import pytest

from qrpay.web.pages import BUILT_DIR
from tests.e2e.server import Server, running

CHROMIUM: Final = Path(os.environ.get("QRPAY_TEST_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS: Final = Path(__file__).parents[2] / "docs" / "screenshots"
WIDTHS: Final = (390, 1280)
HEIGHT: Final = 900
EXPIRING_S: Final = 30
CHROMIUM_ARGS: Final = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI=true, so the browser tests must run")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def sync_api() -> Any:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    if not (BUILT_DIR / "pay.html").exists():
        _unavailable(f"the web pages are not built in {BUILT_DIR} (./scripts/setup builds them)")
    try:
        from playwright import sync_api
    except ImportError:
        _unavailable("Playwright for Python is not installed (./scripts/setup installs it)")
    return sync_api


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sync_api: Any) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("browser"), "--demo") as server:
        yield server


@pytest.fixture(scope="module")
def browser(sync_api: Any) -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@dataclass
class Screens:
    """Pages of one test, the requests they made, and screenshots at both widths."""

    browser: Any
    base_url: str
    contexts: list[Any] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, path: str, width: int = WIDTHS[0]) -> Any:
        context = self.browser.new_context(
            viewport={"width": width, "height": HEIGHT}, base_url=self.base_url
        )
        self.contexts.append(context)
        page = context.new_page()
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on(
            "console",
            lambda message: self.errors.append(message.text) if message.type == "error" else None,
        )
        page.goto(path)
        return page

    def shoot(self, page: Any, name: str) -> None:
        """Save the page at each width (full length), then restore the first width."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": HEIGHT})
            page.wait_for_timeout(150)  # let the layout settle after the resize
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{name} at {width} px is {overflow} px wider than the window"
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
        page.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT})

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def screens(browser: Any, server: Server) -> Iterator[Screens]:
    screens = Screens(browser, server.base_url)
    yield screens
    screens.close()
    foreign = [
        url for url in screens.requests if not url.startswith((server.base_url, "data:", "blob:"))
    ]
    assert foreign == [], "a page asked for something outside the gateway"
    assert screens.errors == [], "the pages logged errors"


@dataclass
class Demo:
    """The demo's credentials, and the merchant API for making checkouts."""

    server: Server
    operator_key: str
    merchant_key: str
    merchant_name: str
    wallet_token: str
    expiring: dict[str, Any] = field(default_factory=dict)
    """A checkout made at the start with the shortest life, for the expiry test at the end."""

    def post(self, path: str, body: dict[str, Any], key: str | None = None) -> dict[str, Any]:
        headers = {
            "Authorization": f"Bearer {key or self.merchant_key}",
            "Idempotency-Key": secrets.token_hex(8),
        }
        response = httpx.post(f"{self.server.base_url}{path}", json=body, headers=headers)
        assert response.status_code == 201, response.text
        answer: dict[str, Any] = response.json()
        return answer

    def checkout(self, amount: int = 12050, **fields: Any) -> dict[str, Any]:
        body = {"amount": amount, "currency": "THB", "reference": secrets.token_hex(4), **fields}
        return self.post("/v1/checkouts", body)

    def static_payload(self) -> str:
        response = httpx.get(
            f"{self.server.base_url}/v1/merchant/qr.png",
            headers={"Authorization": f"Bearer {self.merchant_key}"},
        )
        return response.headers["X-QR-Payload"]


@pytest.fixture(scope="module")
def demo(server: Server) -> Demo:
    data = server.demo()
    merchant = data["merchants"][0]
    demo = Demo(
        server,
        data["operator_key"],
        merchant["api_key"],
        merchant["name"],
        data["wallets"][0]["token"],
    )
    demo.expiring = demo.checkout(amount=990, expires_in=EXPIRING_S)
    return demo
