"""QRIS (Indonesia), from Bank Indonesia's "Standar Nasional QR Code Pembayaran" (QRIS,
PADG 21/18/2019) and ASPI's technical specification.

The national repository template has GUI ``ID.CO.QRIS.WWW`` (usually at 51): 02 the
National Merchant ID, "ID" and 13 digits (10 or more are accepted), 03 merchant
criteria UMI/UKE/UME/UBE/URE. It names the standard, so it outranks the acquirers'
templates (26-45) printed beside it. Amounts in IDR (360).
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
    optional_format,
    require_format,
    require_home,
)

_NMID_RE: Final = re.compile(r"ID[0-9]{10,13}\Z")
_CRITERIA_RE: Final = re.compile(r"(?:UMI|UKE|UME|UBE|URE)\Z")


def read(code: MerchantPresentedCode, tag: str, template: Template) -> AccountReading:
    require_home(code, Scheme.QRIS, "ID", "360")
    nmid = require_format(template, tag, "02", _NMID_RE, "the National Merchant ID")
    optional_format(template, tag, "03", _CRITERIA_RE, "the QRIS merchant criteria")
    return AccountReading(nmid, "nmid", code.additional("05"))


PROFILE: Final = Profile(Scheme.QRIS, "QRIS", frozenset({"ID.CO.QRIS.WWW"}), read, STANDARD)
