"""What a national profile is: how it recognises its template and what it reads from it.

A profile recognises its network from the merchant account template's globally unique
identifier (member 00), never from the template number, which differs between countries.
It reads the merchant account or proxy key and checks what its scheme requires, raising
``QrError`` with a ``profile_*`` reason when the code cannot be paid on that network.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from qrpay.domain.errors import QrError, QrReason
from qrpay.domain.qr import tlv
from qrpay.domain.qr.mpm import MerchantPresentedCode, Template


class Scheme(StrEnum):
    """The scheme of a code, as reported by ``qrpay qr decode``. Published names."""

    EMVCO = "emvco"
    EMVCO_CPM = "emvco_cpm"
    PIX = "pix"
    PROMPTPAY = "promptpay"
    SGQR = "sgqr"
    PAYNOW = "paynow"
    QRIS = "qris"
    QRIS_CPM = "qris_cpm"
    VIETQR = "vietqr"
    VNPAYQR = "vnpayqr"
    KHQR = "khqr"
    DUITNOW = "duitnow"
    BHARATQR = "bharatqr"
    FPS = "fps"
    QRPH = "qrph"
    UPI = "upi"
    QRPAY = "qrpay"
    """Codes this gateway issues for its own merchants (the on-us network)."""


class Rank(int):
    """Which profile names the code when several templates match (lowest wins)."""


STANDARD = Rank(0)
"""The profile identifies the national QR standard the code follows (SGQR, QRIS, QR Ph)."""
NETWORK = Rank(1)
"""The profile identifies one payment network reachable through the code."""


@dataclass(frozen=True, slots=True)
class AccountReading:
    """What a profile reads from its merchant account template."""

    account: str | None
    account_type: str | None = None
    reference: str | None = None
    nested: dict[str, Template] = field(default_factory=dict)


Reader = Callable[[MerchantPresentedCode, str, Template], AccountReading]
Recogniser = Callable[[MerchantPresentedCode, Template], bool]


@dataclass(frozen=True, slots=True)
class Profile:
    scheme: Scheme
    network: str
    """The network's name as people know it ("PromptPay")."""
    guis: frozenset[str]
    """Upper-cased globally unique identifiers of the network's account template."""
    read: Reader
    rank: Rank = NETWORK
    recognise: Recogniser | None = None
    """For schemes whose GUI is not a fixed value (KHQR's Bakong account ids)."""

    def matches(self, code: MerchantPresentedCode, template: Template) -> bool:
        gui = template.gui
        if gui is not None and gui.upper() in self.guis:
            return True
        return self.recognise is not None and self.recognise(code, template)


def require_member(template: Template, tag: str, member: str, what: str) -> str:
    """A member the scheme cannot do without, such as the proxy key."""
    value = template.get(member)
    if value is None:
        raise QrError(
            QrReason.PROFILE_ACCOUNT_MISSING,
            f"{what} ({tag}.{member}) is missing",
            field=f"{tag}.{member}",
        )
    return value


def invalid_member(tag: str, member: str, message: str) -> QrError:
    """Any member of the merchant account template that the scheme cannot use as written."""
    return QrError(QrReason.PROFILE_ACCOUNT_INVALID, message, field=f"{tag}.{member}")


def require_format(
    template: Template, tag: str, member: str, pattern: re.Pattern[str], what: str
) -> str:
    """A mandatory member that must also match the scheme's format."""
    value = require_member(template, tag, member, what)
    if not pattern.match(value):
        raise invalid_member(tag, member, f"{what} {value!r} is malformed")
    return value


def optional_format(
    template: Template, tag: str, member: str, pattern: re.Pattern[str], what: str
) -> str | None:
    """An optional member that, when present, must match the scheme's format."""
    value = template.get(member)
    if value is not None and not pattern.match(value):
        raise invalid_member(tag, member, f"{what} {value!r} is malformed")
    return value


def nested_template(template: Template, tag: str, member: str, what: str) -> Template:
    """A member that is itself a TLV template (VietQR's beneficiary in 38.01)."""
    text = require_member(template, tag, member, what)
    try:
        items = tlv.scan(text, field_prefix=f"{tag}.{member}.")
    except QrError as exc:
        raise invalid_member(tag, member, f"{what} is not a TLV template: {exc.message}") from exc
    fields = {sub: text[start:stop] for sub, start, stop in items}
    if len(fields) != len(items):
        raise invalid_member(tag, member, f"{what} repeats a member id")
    return Template(fields)


def first_additional(code: MerchantPresentedCode, *members: str) -> str | None:
    """The first of several additional data members (62.xx) that the code carries."""
    return next((v for m in members if (v := code.additional(m)) is not None), None)


def require_currency(code: MerchantPresentedCode, number: str, scheme: Scheme) -> None:
    """When a code states its currency (53) it must be the scheme's."""
    require_currency_in(code, (number,), scheme)


def require_currency_in(
    code: MerchantPresentedCode, numbers: tuple[str, ...], scheme: Scheme
) -> None:
    """When a code states its currency (53) it must be one the scheme settles in."""
    stated = code.currency_number
    if stated is not None and stated not in numbers:
        expected = " or ".join(numbers)
        raise QrError(
            QrReason.PROFILE_CURRENCY_MISMATCH,
            f"{scheme.value} codes are in currency {expected}, this one states {stated}",
            field="53",
        )


def require_country(code: MerchantPresentedCode, country: str, scheme: Scheme) -> None:
    stated = code.country_code
    if stated is not None and stated != country:
        raise QrError(
            QrReason.PROFILE_COUNTRY_MISMATCH,
            f"{scheme.value} codes are issued in {country}, this one states {stated}",
            field="58",
        )


def require_home(
    code: MerchantPresentedCode, scheme: Scheme, country: str, *currencies: str
) -> None:
    """The code is issued in the scheme's country and, when stated, in its currencies."""
    require_currency_in(code, currencies, scheme)
    require_country(code, country, scheme)
