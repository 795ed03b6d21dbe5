"""UPI links: where an error points."""

from __future__ import annotations

import pytest

from qrpay.domain.errors import QrError, QrReason
from qrpay.domain.qr import uri


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
