"""VietQR: the nested beneficiary template, the service code, VND and VN."""

from __future__ import annotations

import pytest

from qrpay.domain.errors import QrReason
from qrpay.domain.qr.profiles import Scheme
from tests.unit.domain.qr.profiles.codes import merchant_code, read, refusal, view

VND = {"53": "704", "58": "VN"}


def _napas(beneficiary: str, service: str = "QRIBFTTA") -> dict[str, str]:
    return {"00": "A000000727", "01": beneficiary, "02": service}


def test_vietqr_reads_account_from_nested_beneficiary() -> None:
    result = view(merchant_code("38", _napas("00069704160109257678859"), VND))

    assert result.scheme is Scheme.VIETQR
    assert (result.account, result.account_type) == ("257678859", "account")
    assert result.nested["38.01"].get("00") == "970416"


def test_vietqr_nested_beneficiary_is_listed_as_a_template() -> None:
    reading = read(merchant_code("38", _napas("00069704160109257678859"), VND))

    assert reading.templates["38.01"] == {"00": "970416", "01": "257678859"}


def test_vietqr_card_service_reads_a_card() -> None:
    beneficiary = "000697043601169704366614953001"

    assert view(merchant_code("38", _napas(beneficiary, "QRIBFTTC"), VND)).account_type == "card"


def test_vietqr_without_service_code_is_a_transfer_to_an_account() -> None:
    members = {"00": "A000000727", "01": "00069704160109257678859"}

    assert view(merchant_code("38", members, VND)).account_type == "account"


def test_vietqr_without_beneficiary_is_refused() -> None:
    error = refusal(merchant_code("38", {"00": "A000000727", "02": "QRIBFTTA"}, VND))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_MISSING, "38.01")


def test_vietqr_flat_beneficiary_is_refused() -> None:
    error = refusal(merchant_code("38", _napas("970416257678859"), VND))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_INVALID, "38.01")


@pytest.mark.parametrize("bin_", ["97041", "97041A", "9704161"])
def test_vietqr_bin_that_is_not_six_digits_is_refused(bin_: str) -> None:
    beneficiary = f"00{len(bin_):02d}{bin_}0109257678859"

    error = refusal(merchant_code("38", _napas(beneficiary), VND))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_INVALID, "38.01.00")


def test_vietqr_without_account_in_beneficiary_is_refused() -> None:
    error = refusal(merchant_code("38", _napas("0006970416"), VND))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_MISSING, "38.01.01")


def test_vietqr_unknown_service_code_is_refused() -> None:
    error = refusal(merchant_code("38", _napas("00069704160109257678859", "QRIBFTTX"), VND))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_INVALID, "38.02")


def test_vietqr_in_another_currency_is_refused() -> None:
    code = merchant_code("38", _napas("00069704160109257678859"), {"53": "840"})

    assert refusal(code).reason is QrReason.PROFILE_CURRENCY_MISMATCH
