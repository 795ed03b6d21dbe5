"""VietQR (Vietnam), from NAPAS's "VietQR" specification on top of EMVCo MPM (v1.5, 2021)
as adopted by the State Bank of Vietnam.

Template GUI (AID) ``A000000727``, usually at 38: 01 the beneficiary organisation, itself
a template (00 acquirer or issuer BIN, 6 digits; 01 the account, card or merchant id),
02 the service code: QRIBFTTA (transfer to an account), QRIBFTTC (to a card), QRPUSH
(merchant payment), QRCASH (ATM withdrawal). Amounts in VND (704); the transfer note
people reconcile on is 62.08, the reference label 62.05.
"""

from __future__ import annotations

import re
from typing import Final

from qrpay.domain.qr.mpm import MerchantPresentedCode, Template
from qrpay.domain.qr.profiles.base import (
    AccountReading,
    Profile,
    Scheme,
    first_additional,
    invalid_member,
    nested_template,
    require_format,
    require_home,
)

_SERVICES: Final = {
    "QRIBFTTA": "account",
    "QRIBFTTC": "card",
    "QRPUSH": "merchant_id",
    "QRCASH": "atm",
}
_BIN_RE: Final = re.compile(r"[0-9]{6}\Z")
# Bank accounts, card numbers and e-wallets' virtual accounts ("99MM24011M34875080").
_CONSUMER_RE: Final = re.compile(r"[0-9A-Za-z]{1,19}\Z")


def read(code: MerchantPresentedCode, tag: str, template: Template) -> AccountReading:
    require_home(code, Scheme.VIETQR, "VN", "704")
    service = template.get("02")
    if service is not None and service not in _SERVICES:
        raise invalid_member(tag, "02", f"VietQR service code {service!r} is not known")
    beneficiary = nested_template(template, tag, "01", "the VietQR beneficiary")
    path = f"{tag}.01"
    require_format(beneficiary, path, "00", _BIN_RE, "the beneficiary bank BIN")
    account = require_format(beneficiary, path, "01", _CONSUMER_RE, "the beneficiary account")
    return AccountReading(
        account,
        # Issuers that leave the service code out mean a transfer to an account.
        _SERVICES[service or "QRIBFTTA"],
        first_additional(code, "05", "08"),
        nested={path: beneficiary},
    )


PROFILE: Final = Profile(Scheme.VIETQR, "VietQR", frozenset({"A000000727"}), read)
