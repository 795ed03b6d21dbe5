"""PayNow (Singapore), from the "PayNow QR Specifications" that the banks of the Association
of Banks in Singapore publish (UOB's v1.3, 2018, section 3) on top of SGQR.

Template GUI ``SG.PAYNOW``: 01 proxy type ("0" mobile number, "2" UEN), 02 proxy value,
03 amount editable ("0" no, "1" yes), 04 expiry date YYYYMMDD (issuers also write
YYYYMMDDhhmmss). Amounts in SGD (702); the payer's reference is the bill number 62.01.
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Final

from qrpay.domain.qr.mpm import MerchantPresentedCode, Template
from qrpay.domain.qr.profiles.base import (
    AccountReading,
    Profile,
    Scheme,
    first_additional,
    invalid_member,
    optional_format,
    require_format,
    require_home,
    require_member,
)

_PROXY_TYPES: Final = {
    # Mobile numbers are written "+65" and eight digits; the spec's own sample carries a
    # longer international number, so any E.164-like number is accepted.
    "0": ("mobile", re.compile(r"\+?[0-9]{8,15}\Z")),
    # A UEN is 9 or 10 letters and digits; PayNow adds up to three more for sub-accounts.
    "2": ("uen", re.compile(r"[0-9A-Za-z]{9,13}\Z")),
}
_EDITABLE_RE: Final = re.compile(r"[01]\Z")


def read(code: MerchantPresentedCode, tag: str, template: Template) -> AccountReading:
    require_home(code, Scheme.PAYNOW, "SG", "702")
    proxy_type = require_member(template, tag, "01", "the PayNow proxy type")
    if proxy_type not in _PROXY_TYPES:
        raise invalid_member(tag, "01", f"PayNow proxy type {proxy_type!r} is not 0 or 2")
    kind, pattern = _PROXY_TYPES[proxy_type]
    proxy = require_format(template, tag, "02", pattern, f"the PayNow {kind} proxy")
    optional_format(template, tag, "03", _EDITABLE_RE, "the PayNow amount-editable flag")
    _check_expiry(tag, template.get("04"))
    return AccountReading(proxy, kind, first_additional(code, "01", "05"))


def _check_expiry(tag: str, expiry: str | None) -> None:
    if expiry is not None and not _is_timestamp(expiry):
        raise invalid_member(tag, "04", f"PayNow expiry {expiry!r} is not a date YYYYMMDD")


def _is_timestamp(text: str) -> bool:
    """YYYYMMDD or YYYYMMDDhhmmss naming a real calendar date and time of day."""
    if len(text) not in (8, 14) or not (text.isascii() and text.isdigit()):
        return False
    try:
        date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        if len(text) == 14:
            time(int(text[8:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return False
    return True


PROFILE: Final = Profile(Scheme.PAYNOW, "PayNow", frozenset({"SG.PAYNOW"}), read)
