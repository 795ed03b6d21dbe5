"""KHQR: recognised by the Bakong account id in 29 or 30; KHR or USD; KH."""

from __future__ import annotations

from qrpay.domain.errors import QrReason
from qrpay.domain.qr.mpm import Template
from qrpay.domain.qr.profiles import Scheme
from tests.unit.domain.qr.profiles.codes import merchant_code, refusal, view

KHR = {"53": "116", "58": "KH"}
MERCHANT = {"00": "jonhsmith@devb", "01": "123456", "02": "Dev Bank"}


def test_khqr_individual_reads_bakong_account() -> None:
    result = view(merchant_code("29", {"00": "jonhsmith@nbcq"}, KHR))

    assert result.scheme is Scheme.KHQR
    assert (result.account, result.account_type) == ("jonhsmith@nbcq", "bakong_account")


def test_khqr_merchant_in_usd_is_accepted() -> None:
    result = view(merchant_code("30", MERCHANT, {"53": "840", "58": "KH"}))

    assert (result.account, result.currency) == ("jonhsmith@devb", "USD")


def test_khqr_reference_is_the_bill_number() -> None:
    bill = Template({"01": "INV-2021-07-65822"})
    code = merchant_code("29", {"00": "jonhsmith@nbcq"}, {**KHR, "62": bill})

    assert view(code).reference == "INV-2021-07-65822"


def test_bakong_id_outside_29_and_30_is_not_khqr() -> None:
    assert view(merchant_code("31", {"00": "jonhsmith@nbcq"}, KHR)).scheme is Scheme.EMVCO


def test_template_29_without_bakong_id_is_not_khqr() -> None:
    assert view(merchant_code("29", {"00": "D15600000000"}, KHR)).scheme is Scheme.EMVCO


def test_khqr_merchant_without_merchant_id_is_refused() -> None:
    members = {"00": "jonhsmith@devb", "02": "Dev Bank"}

    error = refusal(merchant_code("30", members, KHR))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_MISSING, "30.01")


def test_khqr_merchant_without_acquiring_bank_is_refused() -> None:
    members = {"00": "jonhsmith@devb", "01": "123456"}

    error = refusal(merchant_code("30", members, KHR))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_MISSING, "30.02")


def test_khqr_bakong_id_longer_than_32_is_refused() -> None:
    error = refusal(merchant_code("29", {"00": "a" * 28 + "@devb"}, KHR))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_INVALID, "29.00")


def test_khqr_in_baht_is_refused() -> None:
    error = refusal(merchant_code("29", {"00": "jonhsmith@nbcq"}, {"53": "764"}))

    assert error.reason is QrReason.PROFILE_CURRENCY_MISMATCH
