"""VNPAY-QR: the merchant id, VND and VN."""

from __future__ import annotations

from qrpay.domain.errors import QrReason
from qrpay.domain.qr.profiles import Scheme
from tests.unit.domain.qr.profiles.codes import merchant_code, refusal, view

VND = {"53": "704", "58": "VN"}


def test_vnpayqr_reads_merchant_id() -> None:
    code = merchant_code("26", {"00": "A000000775", "01": "0100109106478GT"}, VND)

    result = view(code)

    assert result.scheme is Scheme.VNPAYQR
    assert (result.account, result.account_type) == ("0100109106478GT", "merchant_id")


def test_vnpayqr_without_merchant_id_is_refused() -> None:
    error = refusal(merchant_code("26", {"00": "A000000775"}, VND))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_MISSING, "26.01")


def test_vnpayqr_merchant_id_with_space_is_refused() -> None:
    error = refusal(merchant_code("26", {"00": "A000000775", "01": "0108 799042"}, VND))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_INVALID, "26.01")


def test_vnpayqr_issued_in_another_country_is_refused() -> None:
    code = merchant_code("26", {"00": "A000000775", "01": "0108799042"}, {"58": "KH"})

    assert refusal(code).reason is QrReason.PROFILE_COUNTRY_MISMATCH
