"""What a national profile is: how it recognises its template and what it reads from it.

A profile recognises its network from the merchant account template's globally unique
identifier (member 00), never from the template number, which differs between countries.
It reads the merchant account or proxy key and checks what its scheme requires, raising
``QrError`` with a ``profile_*`` reason when the code cannot be paid on that network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from qrpay.domain.errors import QrError, QrReason
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
    return QrError(QrReason.PROFILE_ACCOUNT_INVALID, message, field=f"{tag}.{member}")


def require_currency(code: MerchantPresentedCode, number: str, scheme: Scheme) -> None:
    """When a code states its currency (53) it must be the scheme's."""
    stated = code.currency_number
    if stated is not None and stated != number:
        raise QrError(
            QrReason.PROFILE_CURRENCY_MISMATCH,
            f"{scheme.value} codes are in currency {number}, this one states {stated}",
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
