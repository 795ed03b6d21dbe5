"""QRIS: the national repository template names the code and carries the NMID."""

from __future__ import annotations

import pytest

from qrpay.domain.errors import QrReason
from qrpay.domain.qr.mpm import Template
from qrpay.domain.qr.profiles import Scheme
from tests.unit.domain.qr.profiles.codes import merchant_code, refusal, view

NATIONAL = {"00": "ID.CO.QRIS.WWW", "02": "ID2020034073193", "03": "UKE"}
ACQUIRER = Template({"00": "ID.CO.BNI.WWW", "01": "936000091100004515", "03": "UKE"})
IDR = {"53": "360", "58": "ID"}


def test_qris_nmid_is_the_account() -> None:
    result = view(merchant_code("51", NATIONAL, {**IDR, "26": ACQUIRER}))

    assert result.scheme is Scheme.QRIS
    assert (result.account, result.account_type) == ("ID2020034073193", "nmid")


def test_qris_outranks_the_acquirer_template_before_it() -> None:
    result = view(merchant_code("51", NATIONAL, {**IDR, "26": ACQUIRER}))

    assert [n.name for n in result.networks] == ["ID.CO.BNI.WWW", "qris"]


def test_qris_without_nmid_is_refused() -> None:
    error = refusal(merchant_code("51", {"00": "ID.CO.QRIS.WWW", "03": "UMI"}, IDR))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_MISSING, "51.02")


@pytest.mark.parametrize("nmid", ["NM2020034073193", "ID20200340", "ID202003407319A"])
def test_qris_malformed_nmid_is_refused(nmid: str) -> None:
    error = refusal(merchant_code("51", {**NATIONAL, "02": nmid}, IDR))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_INVALID, "51.02")


def test_qris_unknown_merchant_criteria_is_refused() -> None:
    error = refusal(merchant_code("51", {**NATIONAL, "03": "UXX"}, IDR))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_INVALID, "51.03")


def test_qris_in_another_country_is_refused() -> None:
    error = refusal(merchant_code("51", NATIONAL, {"53": "360", "58": "MY"}))

    assert error.reason is QrReason.PROFILE_COUNTRY_MISMATCH
