"""QR Ph (Philippines), from the Philippine Payments Management Inc.'s QR Ph P2M and P2P
specifications, as the Bangko Sentral ng Pilipinas mandates for InstaPay and PESONet.

Person-to-merchant codes carry GUI ``ph.ppmi.p2m`` (at 28), person-to-person codes
``ph.ppmi.p2p`` or, as wallets print them, ``com.p2pqrpay`` (at 27): 01 the receiving
institution's BIC, 03 the merchant id or account number; P2M codes add 04 a mobile
number and 05 the merchant credit flags. The GUI names the national standard. Amounts
in PHP (608).
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

PERSON_TO_MERCHANT: Final = "PH.PPMI.P2M"
_BIC_RE: Final = re.compile(r"[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?\Z")
_ACCOUNT_RE: Final = re.compile(r"[0-9A-Za-z]{1,40}\Z")


def read(code: MerchantPresentedCode, tag: str, template: Template) -> AccountReading:
    require_home(code, Scheme.QRPH, "PH", "608")
    require_format(template, tag, "01", _BIC_RE, "the receiving institution's BIC")
    account = require_format(template, tag, "03", _ACCOUNT_RE, "the QR Ph account")
    merchant = (template.gui or "").upper() == PERSON_TO_MERCHANT
    return AccountReading(account, "merchant_id" if merchant else "account", code.additional("05"))


PROFILE: Final = Profile(
    Scheme.QRPH,
    "QR Ph",
    frozenset({PERSON_TO_MERCHANT, "PH.PPMI.P2P", "COM.P2PQRPAY"}),
    read,
    STANDARD,
)
