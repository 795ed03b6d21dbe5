"""Serving the built front ends: pages, cache headers, and the page shown before a build."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from qrpay.api.app import create_app
from qrpay.api.state import ApiState
from qrpay.web.pages import ASSET_CACHE_CONTROL
from tests.fakes.context import harness


async def _ready() -> None:
    return None


@pytest.fixture
def built(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    for page in ("pay", "wallet", "dashboard"):
        (tmp_path / f"{page}.html").write_text(f"<!doctype html><title>{page}</title>")
    (tmp_path / "assets" / "pay-3f2a1b.js").write_text("console.log(1)")
    return tmp_path


async def _client(web_root: Path) -> AsyncIterator[httpx.AsyncClient]:
    h = harness()
    state = ApiState(ctx=h.ctx, tokens=h.tokens, operator_key_hash="x", ready=_ready)
    app = create_app(state, web_root=web_root)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
async def web(built: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for client in _client(built):
        yield client


@pytest.mark.parametrize(
    ("path", "title"),
    [("/pay/chk_1M86CH3M0CM9JCK9W39Q", "pay"), ("/wallet", "wallet"), ("/dashboard", "dashboard")],
)
async def test_each_route_serves_its_page_revalidated_every_time(
    web: httpx.AsyncClient, path: str, title: str
) -> None:
    response = await web.get(path)

    assert response.status_code == 200
    assert f"<title>{title}</title>" in response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'self'" in response.headers["content-security-policy"]


async def test_pages_answer_head_requests(web: httpx.AsyncClient) -> None:
    response = await web.head("/wallet")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-cache"
    assert response.content == b""


async def test_hashed_assets_are_cached_for_a_year(web: httpx.AsyncClient) -> None:
    response = await web.get("/assets/pay-3f2a1b.js")

    assert response.status_code == 200
    assert response.headers["cache-control"] == ASSET_CACHE_CONTROL


async def test_assets_outside_the_folder_are_not_served(web: httpx.AsyncClient) -> None:
    for path in ("/assets/../pay.html", "/assets/%2e%2e/pay.html", "/assets/missing.js"):
        assert (await web.get(path)).status_code == 404


async def test_pages_say_how_to_build_them_when_never_built(tmp_path: Path) -> None:
    async for client in _client(tmp_path / "nothing-here"):
        page = await client.get("/wallet")
        asset = await client.get("/assets/pay-3f2a1b.js")

        assert page.status_code == 503
        assert "./scripts/setup" in page.text
        assert asset.status_code == 404
