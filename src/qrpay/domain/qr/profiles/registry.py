"""Which profiles a code matches, and the payer's view of it that they produce.

The profile with the lowest ``Rank`` names the code and its checks decide whether the
code can be paid at all. Every other template a profile recognises is read too: it
becomes one of ``PaymentView.networks`` when its profile accepts it, and is listed in
``PaymentView.refused`` (and left out of the networks) when its profile does not, since
no payment can reach the merchant through it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import iso4217

from qrpay.domain.errors import QrError
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
    refused: dict[str, QrError] = field(default_factory=dict)
    """Templates, by id, that their profile refused; their networks cannot be used."""


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
        best = _best(self._matches(code))
        return best[0].scheme if best is not None else Scheme.EMVCO

    def view(self, code: MerchantPresentedCode) -> PaymentView:
        """Read the code through its profile; raise ``QrError`` when the profile refuses it."""
        matches = list(self._matches(code))
        best = _best(matches)
        if best is None:
            reading = AccountReading(None, None, code.additional("05"))
            scheme, network = Scheme.EMVCO, "EMVCo"
        else:
            profile, tag, template = best
            reading = profile.read(code, tag, template)
            scheme, network = profile.scheme, profile.network
        found, refused = _read_others(code, matches, best, reading)
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
            networks=tuple(_networks(code, found, refused)),
            nested=reading.nested,
            refused=refused,
        )

    def _matches(self, code: MerchantPresentedCode) -> Iterator[_Match]:
        for tag, template in code.account_templates():
            profile = self.find(code, template)
            if profile is not None:
                yield profile, tag, template


_Match = tuple[Profile, str, Template]
_Found = tuple[Scheme, str | None]


def _best(matches: Iterable[_Match]) -> _Match | None:
    """The first match of the lowest rank."""
    best: _Match | None = None
    for match in matches:
        if best is None or match[0].rank < best[0].rank:
            best = match
    return best


def _read_others(
    code: MerchantPresentedCode,
    matches: list[_Match],
    best: _Match | None,
    reading: AccountReading,
) -> tuple[dict[str, _Found], dict[str, QrError]]:
    """What each recognised template names, and the templates their profile refused."""
    found: dict[str, _Found] = {}
    refused: dict[str, QrError] = {}
    for match in matches:
        profile, tag, template = match
        try:
            account = (
                reading.account if match is best else profile.read(code, tag, template).account
            )
        except QrError as exc:
            refused[tag] = exc
            continue
        found[tag] = (profile.scheme, account)
    assert len(found) + len(refused) == len(matches), "every match is read or refused"
    return found, refused


def _networks(
    code: MerchantPresentedCode, found: dict[str, _Found], refused: dict[str, QrError]
) -> Iterator[Network]:
    for tag, value in code.merchant_accounts.items():
        if isinstance(value, str):
            name = card_scheme_name(tag)
            if name is not None:
                yield Network(name.lower(), tag, None, value)
        elif tag in found:
            scheme, account = found[tag]
            yield Network(scheme.value, tag, value.gui, account)
        elif tag not in refused:
            yield Network(value.gui or tag, tag, value.gui, value.get("01"))
