"""National QR profiles on top of EMVCo MPM. Adding a profile is one module and one line here."""

from __future__ import annotations

from typing import Final

from qrpay.domain.qr.profiles import (
    bharatqr,
    duitnow,
    fps,
    khqr,
    paynow,
    pix,
    promptpay,
    qris,
    qrph,
    sgqr,
    vietqr,
    vnpayqr,
)
from qrpay.domain.qr.profiles.base import Profile, Scheme
from qrpay.domain.qr.profiles.registry import Network, PaymentView, ProfileRegistry

DEFAULT_PROFILES: Final[tuple[Profile, ...]] = (
    pix.PROFILE,
    promptpay.PROFILE,
    sgqr.PROFILE,
    paynow.PROFILE,
    qris.PROFILE,
    vietqr.PROFILE,
    vnpayqr.PROFILE,
    khqr.PROFILE,
    duitnow.PROFILE,
    bharatqr.PROFILE,
    fps.PROFILE,
    qrph.PROFILE,
)

DEFAULT_REGISTRY: Final = ProfileRegistry(DEFAULT_PROFILES)

__all__ = [
    "DEFAULT_PROFILES",
    "DEFAULT_REGISTRY",
    "Network",
    "PaymentView",
    "Profile",
    "ProfileRegistry",
    "Scheme",
]
