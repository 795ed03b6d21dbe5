"""QR Ph: P2M and P2P GUIs, BIC and account, PHP and PH."""

from __future__ import annotations

import pytest

from qrpay.domain.errors import QrReason
from qrpay.domain.qr.profiles import Scheme
from tests.unit.domain.qr.profiles.codes import merchant_code, refusal, view

PHP = {"53": "608", "58": "PH"}
P2M = {"00": "ph.ppmi.p2m", "01": "GXCHPHM2XXX", "03": "217020000000602433060", "05": "000"}


def test_qrph_person_to_merchant_reads_merchant_id() -> None:
    result = view(merchant_code("28", P2M, PHP))

    assert result.scheme is Scheme.QRPH
    assert (result.account, result.account_type) == ("217020000000602433060", "merchant_id")


@pytest.mark.parametrize("gui", ["ph.ppmi.p2p", "com.p2pqrpay"])
def test_qrph_person_to_person_reads_account(gui: str) -> None:
    members = {"00": gui, "01": "GXCHPHM2XXX", "03": "217020000000656"}

    result = view(merchant_code("27", members, PHP))

    assert (result.scheme, result.account_type) == (Scheme.QRPH, "account")


def test_qrph_accepts_eight_character_bic() -> None:
    assert view(merchant_code("28", {**P2M, "01": "BOPIPHMM"}, PHP)).scheme is Scheme.QRPH


def test_qrph_without_bic_is_refused() -> None:
    members = {k: v for k, v in P2M.items() if k != "01"}

    error = refusal(merchant_code("28", members, PHP))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_MISSING, "28.01")


@pytest.mark.parametrize("bic", ["GXCH-PHM2", "gxchphm2xxx", "GXCHPHM2XX"])
def test_qrph_malformed_bic_is_refused(bic: str) -> None:
    error = refusal(merchant_code("28", {**P2M, "01": bic}, PHP))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_INVALID, "28.01")


def test_qrph_without_account_is_refused() -> None:
    members = {k: v for k, v in P2M.items() if k != "03"}

    error = refusal(merchant_code("28", members, PHP))

    assert (error.reason, error.field) == (QrReason.PROFILE_ACCOUNT_MISSING, "28.03")


def test_qrph_issued_in_another_country_is_refused() -> None:
    error = refusal(merchant_code("28", P2M, {"58": "SG"}))

    assert error.reason is QrReason.PROFILE_COUNTRY_MISMATCH
