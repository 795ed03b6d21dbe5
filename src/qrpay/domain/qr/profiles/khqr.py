"""KHQR (Cambodia), from the National Bank of Cambodia's "KHQR Content Guideline" (v1.4)
and its reference SDK, bakong-khqr.

Bakong puts no fixed GUI in member 00: it holds the payee's Bakong account id
("name@bank", at most 32 characters), so the template is recognised by that shape in
the ids KHQR assigns: 29 for an individual (01 account information, 02 acquiring bank,
both optional) and 30 for a merchant (01 merchant id and 02 acquiring bank required).
Amounts in KHR (116) or USD (840); the bill number 62.01 is the reference.
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
    require_member,
)

INDIVIDUAL: Final = "29"
MERCHANT: Final = "30"
_ACCOUNT_RE: Final = re.compile(r"(?=.{3,32}\Z)[^@\s]+@[^@\s]+\Z")


def recognise(code: MerchantPresentedCode, template: Template) -> bool:
    """A Bakong account id in 00 of the individual (29) or merchant (30) template."""
    gui = template.gui
    if gui is None or "@" not in gui:
        return False
    return any(code.objects.get(tag) is template for tag in (INDIVIDUAL, MERCHANT))


def read(code: MerchantPresentedCode, tag: str, template: Template) -> AccountReading:
    require_home(code, Scheme.KHQR, "KH", "116", "840")
    account = require_format(template, tag, "00", _ACCOUNT_RE, "the Bakong account id")
    if tag == MERCHANT:
        require_member(template, tag, "01", "the KHQR merchant id")
        require_member(template, tag, "02", "the KHQR acquiring bank")
    return AccountReading(account, "bakong_account", code.additional("01"))


PROFILE: Final = Profile(Scheme.KHQR, "Bakong", frozenset(), read, recognise=recognise)
