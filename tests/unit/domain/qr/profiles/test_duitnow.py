"""DuitNow: the merchant account, the acquirer id, MYR and MY."""

from __future__ import annotations

from qrpay.domain.errors import QrReason
from qrpay.domain.qr.profiles import Scheme
from tests.unit.domain.qr.profiles.codes import merchant_code, refusal, view

MYR = {"53": "458", "58": "MY"}
DUITNOW = {"00": "A0000006150001", "01": "890087", "02": "0000000000000000000000072339"}


def test_duitnow_reads_merchant_account() -> None:
    result = view(merchant_code("26", DUITNOW, MYR))

    assert result.scheme is Scheme.DUITNOW
    assert result.account == "0000000000000000000000072339"


def test_duitnow_with_payload_format_indicator_02_is_read() -> None:
    result = view(merchant_code("26", DUITNOW, {**MYR, "00": "02"}))

    assert result.scheme is Scheme.DUITNOW


def test_duitnow_without_merchant_account_is_refused() -> None:
    error = refusal(merchant_code("26", {"00": "A0000006150001", "01": "890087"}, MYR))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_MISSING, "26.02")


def test_duitnow_acquirer_id_with_letters_is_refused() -> None:
    error = refusal(merchant_code("26", {**DUITNOW, "01": "89OO87"}, MYR))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_INVALID, "26.01")


def test_duitnow_expiry_that_is_not_milliseconds_is_refused() -> None:
    error = refusal(merchant_code("26", {**DUITNOW, "03": "2023-07-29"}, MYR))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_INVALID, "26.03")


def test_duitnow_in_another_currency_is_refused() -> None:
    error = refusal(merchant_code("26", DUITNOW, {"53": "702"}))

    assert error.reason is QrReason.PROFILE_CURRENCY_MISMATCH
