"""Bharat QR: UPI templates under NPCI's RID, told apart by content; INR and IN."""

from __future__ import annotations

from qrpay.domain.errors import QrReason
from qrpay.domain.qr.mpm import Template
from qrpay.domain.qr.profiles import Scheme
from tests.unit.domain.qr.profiles.codes import merchant_code, refusal, view

INR = {"53": "356", "58": "IN"}
VPA = {"00": "A000000524", "01": "razorpaybqr@icici", "02": "1.10"}
REFERENCE = Template({"00": "A000000524", "01": "RZPGT8ildsFTgS5Sp"})


def test_bharatqr_reads_vpa_as_account() -> None:
    result = view(merchant_code("26", VPA, {**INR, "27": REFERENCE}))

    assert result.scheme is Scheme.BHARATQR
    assert (result.account, result.account_type) == ("razorpaybqr@icici", "vpa")


def test_bharatqr_reference_template_is_a_network_without_account() -> None:
    result = view(merchant_code("26", VPA, {**INR, "27": REFERENCE}))

    assert [(n.template_id, n.account) for n in result.networks] == [
        ("26", "razorpaybqr@icici"),
        ("27", None),
    ]


def test_bharatqr_card_ids_are_listed_with_upi() -> None:
    objects = {**INR, "02": "4403847000746908", "04": "522024070007469"}

    result = view(merchant_code("26", VPA, objects))

    assert [n.name for n in result.networks] == ["visa", "mastercard", "bharatqr"]


def test_bharatqr_without_upi_address_is_refused() -> None:
    error = refusal(merchant_code("26", {"00": "A000000524", "02": "1.10"}, INR))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_MISSING, "26.01")


def test_bharatqr_vpa_with_space_is_refused() -> None:
    error = refusal(merchant_code("26", {**VPA, "01": "razorpay bqr@icici"}, INR))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_INVALID, "26.01")


def test_bharatqr_vpa_without_handle_is_refused() -> None:
    error = refusal(merchant_code("26", {**VPA, "01": "razorpaybqr@"}, INR))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_INVALID, "26.01")


def test_bharatqr_in_another_currency_is_refused() -> None:
    error = refusal(merchant_code("26", VPA, {"53": "840"}))

    assert error.reason is QrReason.PROFILE_CURRENCY_MISMATCH
