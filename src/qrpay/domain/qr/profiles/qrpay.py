"""The gateway's own codes: a merchant account template whose GUI the operator configures.

Member 01 is the merchant id; a dynamic code carries its checkout id in 62.05. A payment
to such a code stays in the gateway's own ledger (the on-us network).
"""

from __future__ import annotations

from typing import Final

from qrpay.domain.qr.mpm import MerchantPresentedCode, Template
from qrpay.domain.qr.profiles.base import AccountReading, Profile, Scheme, require_member

DEFAULT_GUI: Final = "ORG.QRPAY"


def read(code: MerchantPresentedCode, tag: str, template: Template) -> AccountReading:
    merchant_id = require_member(template, tag, "01", "the merchant id")
    return AccountReading(merchant_id, "merchant_id", code.additional("05"))


def profile(gui: str = DEFAULT_GUI) -> Profile:
    return Profile(Scheme.QRPAY, "qrpay", frozenset({gui.upper()}), read)
