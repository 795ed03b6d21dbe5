"""FPS: one proxy of FPS ID, mobile or e-mail; clearing code; HKD or CNY; HK."""

from __future__ import annotations

import pytest

from qrpay.domain.errors import QrReason
from qrpay.domain.qr.profiles import Scheme
from tests.unit.domain.qr.profiles.codes import merchant_code, refusal, view

HKD = {"53": "344", "58": "HK"}


@pytest.mark.parametrize(
    ("member", "proxy", "kind"),
    [
        ("02", "1234567", "fps_id"),
        ("02", "166069526", "fps_id"),
        ("03", "+852-67891234", "mobile"),
        ("04", "accounts@example.com.hk", "email"),
    ],
)
def test_fps_reads_each_kind_of_proxy(member: str, proxy: str, kind: str) -> None:
    result = view(merchant_code("26", {"00": "hk.com.hkicl", member: proxy}, HKD))

    assert result.scheme is Scheme.FPS
    assert (result.account, result.account_type) == (proxy, kind)


def test_fps_gui_is_matched_in_any_case() -> None:
    code = merchant_code("26", {"00": "HK.COM.HKICL", "01": "004", "02": "1234567"}, HKD)

    assert view(code).scheme is Scheme.FPS


def test_fps_in_renminbi_is_accepted() -> None:
    code = merchant_code("26", {"00": "hk.com.hkicl", "02": "1234567"}, {"53": "156"})

    assert view(code).currency == "CNY"


def test_fps_without_proxy_is_refused() -> None:
    error = refusal(merchant_code("26", {"00": "hk.com.hkicl", "01": "004"}, HKD))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_MISSING, "26.02")


@pytest.mark.parametrize(
    ("member", "proxy"),
    [("02", "12345678"), ("02", "123456A"), ("03", "67891234"), ("04", "payee.example.com")],
)
def test_fps_malformed_proxy_is_refused(member: str, proxy: str) -> None:
    error = refusal(merchant_code("26", {"00": "hk.com.hkicl", member: proxy}, HKD))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_INVALID, f"26.{member}")


def test_fps_clearing_code_that_is_not_three_digits_is_refused() -> None:
    members = {"00": "hk.com.hkicl", "01": "4", "03": "+852-67891234"}

    error = refusal(merchant_code("26", members, HKD))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_INVALID, "26.01")


def test_fps_in_dollars_is_refused() -> None:
    error = refusal(merchant_code("26", {"00": "hk.com.hkicl", "02": "1234567"}, {"53": "840"}))

    assert error.reason is QrReason.PROFILE_CURRENCY_MISMATCH
