"""SGQR: the national template names the code; the networks beside it stay reachable."""

from __future__ import annotations

from qrpay.domain.errors import QrReason
from qrpay.domain.qr.mpm import Template
from qrpay.domain.qr.profiles import Scheme
from tests.unit.domain.qr.profiles.codes import merchant_code, read, refusal, view

SGQR_ID = {"00": "SG.SGQR", "01": "180907510317", "02": "01.0001"}
PAYNOW = Template({"00": "SG.PAYNOW", "01": "2", "02": "53469324E", "03": "1"})
SGD = {"53": "702", "58": "SG"}


def test_sgqr_id_is_the_account_of_an_sgqr_code() -> None:
    result = view(merchant_code("51", SGQR_ID, SGD))

    assert result.scheme is Scheme.SGQR
    assert (result.account, result.account_type) == ("180907510317", "sgqr_id")


def test_sgqr_with_paynow_keeps_scheme_sgqr_and_lists_both_networks() -> None:
    result = view(merchant_code("51", SGQR_ID, {**SGD, "26": PAYNOW}))

    assert result.scheme is Scheme.SGQR
    assert [(n.name, n.template_id, n.account) for n in result.networks] == [
        ("paynow", "26", "53469324E"),
        ("sgqr", "51", "180907510317"),
    ]


def test_sgqr_with_malformed_paynow_stays_valid_without_the_paynow_network() -> None:
    bad_paynow = Template({"00": "SG.PAYNOW", "01": "2", "02": "5346-9324E"})

    reading = read(merchant_code("51", SGQR_ID, {**SGD, "26": bad_paynow}))

    assert reading.valid
    assert reading.view is not None
    assert [n.name for n in reading.view.networks] == ["sgqr"]
    assert reading.view.refused["26"].reason is QrReason.PROFILE_ACCOUNT_INVALID
    assert ("profile_network_refused", "26.02") in {(w.code, w.field) for w in reading.warnings}


def test_sgqr_without_id_number_is_refused() -> None:
    error = refusal(merchant_code("51", {"00": "SG.SGQR", "02": "01.0001"}, SGD))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_MISSING, "51.01")


def test_sgqr_id_with_punctuation_is_refused() -> None:
    error = refusal(merchant_code("51", {**SGQR_ID, "01": "1809-07510317"}, SGD))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_INVALID, "51.01")


def test_sgqr_in_another_currency_is_refused() -> None:
    error = refusal(merchant_code("51", SGQR_ID, {"53": "840", "58": "SG"}))

    assert error.reason is QrReason.PROFILE_CURRENCY_MISMATCH
