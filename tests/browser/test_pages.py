"""The three web front ends in headless Chromium against the demo gateway.

The main flow is the issue's: open a checkout's hosted page, read its QR code from the
screen and decode it, pay it in the wallet by pasting the payload, watch the checkout page
(kept open) flip to paid without a reload, then find the payment and its timeline in the
dashboard. Each test also saves its screens into docs/screenshots at 390 and 1280 px.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qrpay.adapters import qr_image
from qrpay.domain.credentials import API_KEY_PREFIX
from tests.browser.conftest import EXPIRING_S, Demo, Screens

WAIT_MS = 15_000


def _sign_in_wallet(screens: Screens, demo: Demo) -> Any:
    wallet = screens.open("/wallet")
    screens.shoot(wallet, "wallet-sign-in")
    wallet.get_by_label("Wallet token").fill(demo.wallet_token)
    wallet.get_by_role("button", name="Sign in").click()
    wallet.wait_for_selector("#wallet:not([hidden])")
    wallet.wait_for_selector("#history li, #history-empty:not([hidden])")
    return wallet


def _preview(wallet: Any, payload: str) -> None:
    wallet.get_by_label("Or paste the payment code").fill(payload)
    wallet.get_by_role("button", name="Show payment details").click()
    wallet.wait_for_selector("#preview:not([hidden])")


def test_pay_a_checkout_from_its_hosted_page_to_the_dashboard(screens: Screens, demo: Demo) -> None:
    checkout = demo.checkout(12050)
    # given the hosted page, kept open in its own tab
    page = screens.open(checkout["hosted_url"].removeprefix(demo.server.base_url))
    page.wait_for_selector("#checkout[data-status='open']")
    page.wait_for_function("document.getElementById('qr').naturalWidth > 0")
    assert page.get_by_role("heading", level=1).inner_text() == demo.merchant_name
    assert page.locator("#amount").inner_text().replace("\u00a0", " ") in ("THB 120.50", "฿120.50")
    assert page.get_by_role("timer").inner_text().count(":") == 1
    page.evaluate("window.notReloaded = true")
    screens.shoot(page, "checkout-open")
    # the code on screen is the checkout's payload, and so is the text beside it
    assert qr_image.read_image(page.locator("#qr").screenshot()) == [checkout["qr_payload"]]
    assert page.get_by_label("Payment code as text").input_value() == checkout["qr_payload"]

    # when the payer pastes the payload into the wallet and confirms
    wallet = _sign_in_wallet(screens, demo)
    _preview(wallet, checkout["qr_payload"])
    facts = wallet.locator("#preview-facts").inner_text()
    assert demo.merchant_name in facts
    assert "Bangkok" in facts
    assert "qrpay" in facts
    screens.shoot(wallet, "wallet-preview")
    wallet.locator("#confirm").click()
    wallet.wait_for_selector("#receipt:not([hidden])")
    receipt = wallet.locator("#receipt-facts").inner_text()
    assert "succeeded" in receipt
    payment_id = wallet.locator("#receipt-facts dd.mono").inner_text()
    assert payment_id.startswith("pay_")
    wallet.wait_for_function("document.querySelectorAll('#history li').length > 0")
    screens.shoot(wallet, "wallet-receipt")

    # then the checkout page says paid, without a reload
    page.wait_for_selector("#checkout[data-status='paid']", timeout=WAIT_MS)
    assert page.evaluate("window.notReloaded") is True
    assert page.get_by_role("status").first.inner_text() == "Paid. Thank you!"
    screens.shoot(page, "checkout-paid")

    # and the operator finds the payment and its timeline
    dashboard = screens.open("/dashboard")
    screens.shoot(dashboard, "dashboard-sign-in")
    dashboard.get_by_label("Operator key").fill(demo.operator_key)
    dashboard.get_by_role("button", name="Sign in").click()
    dashboard.wait_for_selector("#payments-results table")
    screens.shoot(dashboard, "dashboard-payments")
    dashboard.get_by_role("link", name=payment_id).click()
    dashboard.wait_for_selector("#timeline-title")
    timeline = dashboard.locator(".timeline").inner_text()
    for kind in (
        "created",
        "route decided",
        "attempt",
        "succeeded",
        "network: qrpay",
        "latency_ms",
    ):
        assert kind in timeline
    screens.shoot(dashboard, "dashboard-payment")


def test_dashboard_filters_charts_and_merchants(screens: Screens, demo: Demo) -> None:
    dashboard = screens.open("/dashboard")
    dashboard.get_by_label("Operator key").fill(demo.operator_key)
    dashboard.get_by_role("button", name="Sign in").click()
    dashboard.wait_for_selector("#payments-results table, #payments-results p.muted")
    dashboard.get_by_label("Network").fill("no-such-network")
    dashboard.get_by_role("button", name="Apply filters").click()
    dashboard.wait_for_selector("text=No payments match these filters.")

    dashboard.get_by_role("link", name="Charts").click()
    dashboard.wait_for_selector("svg.chart")
    assert dashboard.locator("svg.chart").count() == 3
    screens.shoot(dashboard, "dashboard-charts")

    dashboard.get_by_role("link", name="Merchants").click()
    dashboard.wait_for_selector("#merchant-list-title")
    dashboard.get_by_label("Legal name").fill("Khao Man Gai Co., Ltd.")
    dashboard.get_by_label("Display name (shown to payers)").fill("Khao Man Gai")
    dashboard.get_by_label("City", exact=True).fill("Chiang Mai")
    dashboard.get_by_label("Country (ISO 3166, 2 letters)").fill("TH")
    dashboard.get_by_label("Merchant category code").fill("5812")
    dashboard.get_by_label("Currency (ISO 4217)").fill("THB")
    dashboard.get_by_role("button", name="Create merchant").click()
    dashboard.wait_for_selector("text=Created Khao Man Gai")
    dashboard.get_by_role("row", name="Khao Man Gai").get_by_role(
        "button", name="Issue API key"
    ).click()
    key = dashboard.get_by_label("API key", exact=True).input_value()
    assert key.startswith(API_KEY_PREFIX)
    screens.shoot(dashboard, "dashboard-merchants")


def test_wallet_decodes_an_uploaded_image(screens: Screens, demo: Demo, tmp_path: Path) -> None:
    checkout = demo.checkout(4200)
    image = tmp_path / "checkout.png"
    image.write_bytes(qr_image.render_png(checkout["qr_payload"]))
    wallet = _sign_in_wallet(screens, demo)

    wallet.locator("#upload").set_input_files(str(image))

    wallet.wait_for_selector("#preview:not([hidden])", timeout=WAIT_MS)
    assert wallet.get_by_label("Or paste the payment code").input_value() == checkout["qr_payload"]
    assert "42.00" in wallet.locator("#preview-facts").inner_text()


def test_static_code_asks_the_payer_for_the_amount(screens: Screens, demo: Demo) -> None:
    wallet = _sign_in_wallet(screens, demo)
    _preview(wallet, demo.static_payload())

    amount = wallet.get_by_label("Amount", exact=True)
    assert amount.is_visible()
    amount.fill("25.5")
    screens.shoot(wallet, "wallet-static-amount")
    wallet.locator("#confirm").click()

    wallet.wait_for_selector("#receipt:not([hidden])")
    assert "25.50" in wallet.locator("#receipt-facts").inner_text()


def test_wallet_shows_a_one_time_code_with_its_countdown(screens: Screens, demo: Demo) -> None:
    wallet = _sign_in_wallet(screens, demo)

    wallet.get_by_role("button", name="Show my code").click()

    wallet.wait_for_selector("#cpm-qr svg")
    payload = wallet.get_by_label("Code as text").input_value()
    assert qr_image.read_image(wallet.locator("#cpm-qr").screenshot()) == [payload]
    assert wallet.locator("#cpm-countdown").inner_text() in ("1:00", "0:59", "0:58")
    screens.shoot(wallet, "wallet-code")


def test_checkout_page_turns_expired_by_itself(screens: Screens, demo: Demo) -> None:
    page = screens.open(f"/pay/{demo.expiring['id']}")
    page.wait_for_selector("#checkout[data-status='expired']", timeout=(EXPIRING_S + 15) * 1000)

    assert page.get_by_role("heading", name="Checkout expired").is_visible()
    assert not page.locator("#qr").is_visible()
    screens.shoot(page, "checkout-expired")


def test_unknown_checkout_shows_not_found(screens: Screens) -> None:
    page = screens.open("/pay/chk_00000000000000000000")

    page.wait_for_selector("#missing:not([hidden])")
    assert page.get_by_role("heading", level=1).inner_text() == "Checkout not found"
    # The browser logs the public read's 404; that answer is what this page is about.
    assert all("404" in error for error in screens.errors)
    screens.errors.clear()
