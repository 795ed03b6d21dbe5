"""PayNow: proxy type and value, editable flag, expiry, SGD and SG."""

from __future__ import annotations

import pytest

from qrpay.domain.errors import QrReason
from qrpay.domain.qr.mpm import Template
from qrpay.domain.qr.profiles import Scheme
from tests.unit.domain.qr.profiles.codes import merchant_code, refusal, view

SGD = {"53": "702", "58": "SG"}


def _paynow(**members: str) -> dict[str, str]:
    return {"00": "SG.PAYNOW", **{k.removeprefix("m"): v for k, v in members.items()}}


def test_paynow_mobile_proxy_reads_mobile_account() -> None:
    result = view(merchant_code("26", _paynow(m01="0", m02="+6591234567"), SGD))

    assert result.scheme is Scheme.PAYNOW
    assert (result.account, result.account_type) == ("+6591234567", "mobile")


def test_paynow_uen_proxy_reads_uen_account() -> None:
    result = view(merchant_code("26", _paynow(m01="2", m02="200002150HWCF"), SGD))

    assert (result.account, result.account_type) == ("200002150HWCF", "uen")


def test_paynow_template_is_found_by_gui_under_any_id() -> None:
    result = view(merchant_code("33", _paynow(m01="2", m02="53469324E"), SGD))

    assert result.scheme is Scheme.PAYNOW
    assert result.networks[0].template_id == "33"


def test_paynow_reference_is_the_bill_number() -> None:
    bill = Template({"01": "INV001"})
    code = merchant_code("26", _paynow(m01="0", m02="+6591234567"), {**SGD, "62": bill})

    assert view(code).reference == "INV001"


def test_paynow_without_proxy_type_is_refused() -> None:
    error = refusal(merchant_code("26", _paynow(m02="+6591234567"), SGD))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_MISSING, "26.01")


def test_paynow_without_proxy_value_is_refused() -> None:
    error = refusal(merchant_code("26", _paynow(m01="0"), SGD))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_MISSING, "26.02")


def test_paynow_nric_proxy_type_is_refused() -> None:
    error = refusal(merchant_code("26", _paynow(m01="1", m02="S1234567D"), SGD))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_INVALID, "26.01")


@pytest.mark.parametrize("mobile", ["+65 9123 4567", "9123456", "+65-91234567"])
def test_paynow_malformed_mobile_is_refused(mobile: str) -> None:
    error = refusal(merchant_code("26", _paynow(m01="0", m02=mobile), SGD))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_INVALID, "26.02")


@pytest.mark.parametrize("uen", ["12345678", "200002150-H", "200002150HWCFX"])
def test_paynow_malformed_uen_is_refused(uen: str) -> None:
    error = refusal(merchant_code("26", _paynow(m01="2", m02=uen), SGD))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_INVALID, "26.02")


def test_paynow_editable_flag_other_than_0_or_1_is_refused() -> None:
    error = refusal(merchant_code("26", _paynow(m01="0", m02="+6591234567", m03="Y"), SGD))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_INVALID, "26.03")


@pytest.mark.parametrize("expiry", ["20301231", "20241130230000"])
def test_paynow_expiry_as_date_or_timestamp_is_accepted(expiry: str) -> None:
    code = merchant_code("26", _paynow(m01="0", m02="+6591234567", m04=expiry), SGD)

    assert view(code).account == "+6591234567"


@pytest.mark.parametrize("expiry", ["20300230", "2030123", "20301231246000", "2030-12-31"])
def test_paynow_expiry_that_is_no_date_is_refused(expiry: str) -> None:
    error = refusal(merchant_code("26", _paynow(m01="0", m02="+6591234567", m04=expiry), SGD))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_INVALID, "26.04")


def test_paynow_in_another_currency_is_refused() -> None:
    code = merchant_code("26", _paynow(m01="0", m02="+6591234567"), {"53": "840", "58": "SG"})

    assert refusal(code).reason is QrReason.PROFILE_CURRENCY_MISMATCH


def test_paynow_issued_in_another_country_is_refused() -> None:
    code = merchant_code("26", _paynow(m01="0", m02="+6591234567"), {"53": "702", "58": "MY"})

    assert refusal(code).reason is QrReason.PROFILE_COUNTRY_MISMATCH
