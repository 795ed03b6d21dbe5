"""Bharat QR (India), from NPCI's "Bharat QR Code Specification" and its UPI annex, on
EMVCo MPM.

Card networks sit in the primitive ids (02-05 Visa and Mastercard, 06-07 RuPay, 08 IFSC
and account). UPI sits in templates with NPCI's RID ``A000000524`` as GUI: in 26 member
01 is the merchant's virtual payment address ("name@psp") and 02 a minimum amount; in 27
member 01 is a transaction reference. The template is told by its content, never its
id. Amounts in INR (356).
"""

from __future__ import annotations

import re
from typing import Final

from qrpay.domain.qr.mpm import MerchantPresentedCode, Template
from qrpay.domain.qr.profiles.base import (
    AccountReading,
    Profile,
    Scheme,
    invalid_member,
    require_home,
    require_member,
)

_VPA_RE: Final = re.compile(r"[A-Za-z0-9.\-_]{1,255}@[A-Za-z0-9.\-_]{1,64}\Z")
_REFERENCE_RE: Final = re.compile(r"[A-Za-z0-9.\-_/]{1,35}\Z")


def read(code: MerchantPresentedCode, tag: str, template: Template) -> AccountReading:
    require_home(code, Scheme.BHARATQR, "IN", "356")
    value = require_member(template, tag, "01", "the UPI address or reference")
    if "@" in value:
        if not _VPA_RE.match(value):
            raise invalid_member(tag, "01", f"UPI address {value!r} is malformed")
        return AccountReading(value, "vpa", code.additional("05"))
    if not _REFERENCE_RE.match(value):
        raise invalid_member(tag, "01", f"UPI reference {value!r} is malformed")
    return AccountReading(None, None, value)


PROFILE: Final = Profile(Scheme.BHARATQR, "Bharat QR", frozenset({"A000000524"}), read)
