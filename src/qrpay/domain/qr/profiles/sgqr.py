"""SGQR (Singapore), from the SGQR specification of the Monetary Authority of Singapore
and IMDA (2018), which layers one national template over the networks' own.

The SGQR ID template has GUI ``SG.SGQR``: 01 SGQR ID number, 02 version, 03 postal code,
04 level, 05 unit number, 06 miscellaneous, 07 revision date. It names the standard the
code follows, so it outranks the networks printed beside it (PayNow, NETS, Grab...),
which stay reachable through ``PaymentView.networks``. Amounts in SGD (702).
"""

from __future__ import annotations

import re
from typing import Final

from qrpay.domain.qr.mpm import MerchantPresentedCode, Template
from qrpay.domain.qr.profiles.base import (
    STANDARD,
    AccountReading,
    Profile,
    Scheme,
    require_format,
    require_home,
)

_SGQR_ID_RE: Final = re.compile(r"[0-9A-Za-z]{1,30}\Z")


def read(code: MerchantPresentedCode, tag: str, template: Template) -> AccountReading:
    require_home(code, Scheme.SGQR, "SG", "702")
    sgqr_id = require_format(template, tag, "01", _SGQR_ID_RE, "the SGQR ID number")
    return AccountReading(sgqr_id, "sgqr_id", code.additional("05"))


PROFILE: Final = Profile(Scheme.SGQR, "SGQR", frozenset({"SG.SGQR"}), read, STANDARD)
