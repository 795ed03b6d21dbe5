"""Which profiles a code matches, and the payer's view of it that they produce."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import iso4217

from qrpay.domain.qr.fields import card_scheme_name
from qrpay.domain.qr.mpm import MerchantPresentedCode, PointOfInitiation, Template
from qrpay.domain.qr.profiles.base import AccountReading, Profile, Scheme

_ALPHA_BY_NUMBER = {f"{c.number:03d}": c.code for c in iso4217.Currency}


@dataclass(frozen=True, slots=True)
class Network:
    """One way to reach the merchant found in the code."""

    name: str
    """A scheme name ("promptpay"), a card scheme ("visa") or, when unknown, the GUI."""
    template_id: str
    gui: str | None
    account: str | None


@dataclass(frozen=True, slots=True)
class PaymentView:
    """What a payer's wallet shows and what routing needs, whatever the scheme."""

    scheme: Scheme
    network: str
    account: str | None
    account_type: str | None
    amount: str | None
    currency: str | None
    """ISO 4217 alphabetic code ("THB")."""
    reference: str | None
    merchant_name: str | None
    merchant_city: str | None
    dynamic: bool
    networks: tuple[Network, ...]
    nested: dict[str, Template]
    """Templates a profile decodes inside a member ("38.01" for VietQR)."""


def currency_alpha(number: str | None) -> str | None:
    return _ALPHA_BY_NUMBER.get(number) if number is not None else None


class ProfileRegistry:
    def __init__(self, profiles: Iterable[Profile]) -> None:
        self._profiles = tuple(profiles)

    @property
    def profiles(self) -> tuple[Profile, ...]:
        return self._profiles

    def with_profile(self, profile: Profile) -> ProfileRegistry:
        """A registry that also knows ``profile``, checked before the others."""
        return ProfileRegistry((profile, *self._profiles))

    def find(self, code: MerchantPresentedCode, template: Template) -> Profile | None:
        return next((p for p in self._profiles if p.matches(code, template)), None)

    def scheme(self, code: MerchantPresentedCode) -> Scheme:
        """The code's scheme, without the profile's checks; ``emvco`` when none matches."""
        best = self._best(code)
        return best[0].scheme if best is not None else Scheme.EMVCO

    def view(self, code: MerchantPresentedCode) -> PaymentView:
        """Read the code through its profile; raise ``QrError`` when the profile refuses it."""
        best = self._best(code)
        networks = tuple(self._networks(code))
        if best is None:
            reading = AccountReading(None, None, code.additional("05"))
            scheme, network = Scheme.EMVCO, "EMVCo"
        else:
            profile, tag, template = best
            reading = profile.read(code, tag, template)
            scheme, network = profile.scheme, profile.network
        return PaymentView(
            scheme=scheme,
            network=network,
            account=reading.account,
            account_type=reading.account_type,
            amount=code.amount,
            currency=currency_alpha(code.currency_number),
            reference=reading.reference,
            merchant_name=code.merchant_name,
            merchant_city=code.merchant_city,
            dynamic=code.point_of_initiation is PointOfInitiation.DYNAMIC,
            networks=networks,
            nested=reading.nested,
        )

    def _best(self, code: MerchantPresentedCode) -> tuple[Profile, str, Template] | None:
        best: tuple[Profile, str, Template] | None = None
        for tag, template in code.account_templates():
            profile = self.find(code, template)
            if profile is not None and (best is None or profile.rank < best[0].rank):
                best = (profile, tag, template)
        return best

    def _networks(self, code: MerchantPresentedCode) -> list[Network]:
        found = []
        for tag, value in code.merchant_accounts.items():
            if isinstance(value, str):
                name = card_scheme_name(tag)
                if name is not None:
                    found.append(Network(name.lower(), tag, None, value))
                continue
            profile = self.find(code, value)
            name = profile.scheme.value if profile is not None else (value.gui or tag)
            found.append(Network(name, tag, value.gui, value.get("01")))
        return found
