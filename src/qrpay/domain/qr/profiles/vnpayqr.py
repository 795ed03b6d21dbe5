"""VNPAY-QR (Vietnam), from VNPAY's merchant-presented QR specification on EMVCo MPM.

Template GUI (AID) ``A000000775``, usually at 26: 01 the merchant id VNPAY assigns
(letters and digits, up to 20). Store, terminal and reference are in 62.03, 62.07 and
62.05. Amounts in VND (704).
"""

from __future__ import annotations

import re
from typing import Final

from qrpay.domain.qr.mpm import MerchantPresentedCode, Template
from qrpay.domain.qr.profiles.base import (
    AccountReading,
    Profile,
    Scheme,
    require_format,
    require_home,
)

_MERCHANT_RE: Final = re.compile(r"[0-9A-Za-z]{1,20}\Z")


def read(code: MerchantPresentedCode, tag: str, template: Template) -> AccountReading:
    require_home(code, Scheme.VNPAYQR, "VN", "704")
    merchant = require_format(template, tag, "01", _MERCHANT_RE, "the VNPAY merchant id")
    return AccountReading(merchant, "merchant_id", code.additional("05"))


PROFILE: Final = Profile(Scheme.VNPAYQR, "VNPAY-QR", frozenset({"A000000775"}), read)
