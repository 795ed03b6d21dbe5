"""UPI payment links."""

from __future__ import annotations

import pytest

from qrpay.domain.errors import QrError, QrReason
from qrpay.domain.qr import uri


def test_link_parameters_are_percent_decoded() -> None:
    link = uri.decode("upi://pay?pa=shop@okbank&pn=Chai%20Point&am=42.50&cu=INR&tr=ORD1")

    assert link.payee_address == "shop@okbank"
    assert link.payee_name == "Chai Point"
    assert link.amount == "42.50"
    assert link.currency == "INR"
    assert link.reference == "ORD1"


def test_non_ascii_escapes_decode_as_utf8() -> None:
    assert uri.decode("upi://pay?pa=a@b&pn=%E0%A4%9A%E0%A4%BE%E0%A4%AF").payee_name == "चाय"


@pytest.mark.parametrize(
    ("link", "reason", "field"),
    [
        ("upi://pay?pn=Shop&am=10", QrReason.URI_MISSING_PA, "pa"),
        ("upi://pay?pa=&pn=Shop", QrReason.URI_MISSING_PA, "pa"),
        ("upi://pay?pa=a@b&pn=50%ZZoff", QrReason.URI_BAD_PERCENT_ESCAPE, "pn"),
        ("upi://pay?pa=a@b&pn=%FF%FE", QrReason.URI_BAD_PERCENT_ESCAPE, "pn"),
        ("upi://pay?pa=a@b&am=10.999", QrReason.URI_AMOUNT_FORMAT, "am"),
        ("upi://pay?pa=a@b&am=-5", QrReason.URI_AMOUNT_FORMAT, "am"),
        ("upi://pay?pa=a@b&cu=USD", QrReason.URI_CURRENCY, "cu"),
        ("upi://pay?pa=a@b&pa=c@d", QrReason.URI_DUPLICATE_PARAMETER, "pa"),
        ("upi://collect?pa=a@b", QrReason.URI_SCHEME, None),
    ],
)
def test_bad_link_gives_reason_and_field(link: str, reason: QrReason, field: str | None) -> None:
    with pytest.raises(QrError) as caught:
        uri.decode(link)

    assert caught.value.reason is reason
    assert caught.value.field == field


def test_encode_round_trips() -> None:
    link = uri.UpiLink({"pa": "shop@okbank", "pn": "Chai Point", "am": "10", "cu": "INR"})

    assert uri.decode(uri.encode(link)) == link


def _error(link: str) -> QrError:
    with pytest.raises(QrError) as info:
        uri.decode(link)
    return info.value


def test_amount_error_points_at_am_not_at_the_minimum_amount_mam() -> None:
    link = "upi://pay?pa=shop@bank&mam=5&am=1,00"

    error = _error(link)

    assert error.reason is QrReason.URI_AMOUNT_FORMAT
    assert error.position == link.index("&am=") + 1


def test_amount_error_ignores_am_written_inside_another_value() -> None:
    link = "upi://pay?pa=shop@bank&tn=Chai%20am=1&am=1,0"

    assert _error(link).position == link.index("&am=") + 1


def test_currency_error_points_at_cu() -> None:
    link = "upi://pay?pa=shop@bank&acu=1&cu=USD"

    error = _error(link)

    assert error.reason is QrReason.URI_CURRENCY
    assert error.position == link.index("&cu=") + 1
