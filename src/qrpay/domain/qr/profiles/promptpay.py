"""PromptPay (Thailand), from the Bank of Thailand's Thai QR Payment standard.

AID A000000677010111 is a credit transfer to a proxy: 01 mobile number (13 digits, "0066"
and the number without its leading 0), 02 national or tax id (13 digits), 03 e-wallet id
(15 digits), 04 bank account. AID A000000677010112 is a bill payment: 01 biller id, 02 and
03 references. A000000677012006 is the cross-border variant. Amounts are THB (764).
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
    require_currency,
    require_member,
)

CREDIT_TRANSFER: Final = "A000000677010111"
BILL_PAYMENT: Final = "A000000677010112"
CROSS_BORDER: Final = "A000000677012006"
_PROXIES: Final = (
    ("01", "mobile", re.compile(r"0066[0-9]{9}\Z")),
    ("02", "national_id", re.compile(r"[0-9]{13}\Z")),
    ("03", "ewallet", re.compile(r"[0-9]{15}\Z")),
    ("04", "bank_account", re.compile(r"[0-9]{1,43}\Z")),
)


def read(code: MerchantPresentedCode, tag: str, template: Template) -> AccountReading:
    require_currency(code, "764", Scheme.PROMPTPAY)
    if (template.gui or "").upper() == BILL_PAYMENT:
        biller = require_member(template, tag, "01", "the biller id")
        return AccountReading(biller, "biller_id", template.get("02"))
    for member, kind, pattern in _PROXIES:
        value = template.get(member)
        if value is None:
            continue
        if not pattern.match(value):
            raise invalid_member(tag, member, f"PromptPay {kind} {value!r} is malformed")
        return AccountReading(value, kind, code.additional("05"))
    return AccountReading(
        require_member(template, tag, "01", "the PromptPay proxy"), None, code.additional("05")
    )


PROFILE: Final = Profile(
    Scheme.PROMPTPAY,
    "PromptPay",
    frozenset({CREDIT_TRANSFER, BILL_PAYMENT, CROSS_BORDER}),
    read,
)
