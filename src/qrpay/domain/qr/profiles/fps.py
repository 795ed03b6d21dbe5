"""FPS (Hong Kong), from the HKMA's "Common QR Code Specification" (2018) for the Faster
Payment System that HKICL runs.

Template GUI ``hk.com.hkicl``, at 26: 01 the participant's clearing code (3 digits),
then one proxy: 02 FPS ID (7 or 9 digits), 03 mobile number ("+852-67891234"), 04 e-mail
address; 05 an optional time-out. Amounts in HKD (344) or CNY (156).
"""

from __future__ import annotations

import re
from typing import Final

from qrpay.domain.errors import QrError, QrReason
from qrpay.domain.qr.mpm import MerchantPresentedCode, Template
from qrpay.domain.qr.profiles.base import (
    AccountReading,
    Profile,
    Scheme,
    first_additional,
    optional_format,
    require_format,
    require_home,
)

_CLEARING_CODE_RE: Final = re.compile(r"[0-9]{3}\Z")
_PROXIES: Final = (
    ("02", "fps_id", re.compile(r"(?:[0-9]{7}|[0-9]{9})\Z")),
    ("03", "mobile", re.compile(r"\+[0-9]{1,3}-[0-9]{6,12}\Z")),
    ("04", "email", re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+\Z")),
)


def read(code: MerchantPresentedCode, tag: str, template: Template) -> AccountReading:
    require_home(code, Scheme.FPS, "HK", "344", "156")
    optional_format(template, tag, "01", _CLEARING_CODE_RE, "the FPS clearing code")
    reference = first_additional(code, "05", "01")
    for member, kind, pattern in _PROXIES:
        if template.get(member) is not None:
            proxy = require_format(template, tag, member, pattern, f"the FPS {kind}")
            return AccountReading(proxy, kind, reference)
    raise QrError(
        QrReason.PROFILE_ACCOUNT_MISSING,
        f"an FPS template needs an FPS ID ({tag}.02), mobile ({tag}.03) or e-mail ({tag}.04)",
        field=f"{tag}.02",
    )


PROFILE: Final = Profile(Scheme.FPS, "FPS", frozenset({"HK.COM.HKICL"}), read)
