"""The registry: card-scheme networks, ranks, refused templates, unknown templates.

Profiles here are stand-ins, so the tests pin the registry's rules and not any scheme's.
"""

from __future__ import annotations

import pytest

from qrpay.domain.errors import QrError, QrReason
from qrpay.domain.qr import mpm, reader
from qrpay.domain.qr.mpm import MerchantPresentedCode, Template
from qrpay.domain.qr.profiles import Network, Profile, ProfileRegistry, Scheme
from qrpay.domain.qr.profiles.base import STANDARD, AccountReading, invalid_member
from tests.unit.domain.qr.profiles.codes import merchant_code, view


def _read_02(code: MerchantPresentedCode, tag: str, template: Template) -> AccountReading:
    return AccountReading(template.get("02"), "test")


def _refuse(code: MerchantPresentedCode, tag: str, template: Template) -> AccountReading:
    raise invalid_member(tag, "02", "refused by the stand-in profile")


WALLET = Profile(Scheme.PAYNOW, "Wallet", frozenset({"COM.EXAMPLE.WALLET"}), _read_02)
OTHER = Profile(Scheme.DUITNOW, "Other", frozenset({"COM.EXAMPLE.OTHER"}), _read_02)
NATIONAL = Profile(Scheme.SGQR, "National", frozenset({"COM.EXAMPLE.NATIONAL"}), _read_02, STANDARD)
STRICT = Profile(Scheme.FPS, "Strict", frozenset({"COM.EXAMPLE.STRICT"}), _refuse)
REGISTRY = ProfileRegistry([WALLET, OTHER, NATIONAL, STRICT])


def _members(gui: str, account: str = "ACC") -> dict[str, str]:
    return {"00": gui, "01": "TYPE", "02": account}


def test_visa_and_mastercard_ids_are_listed_with_their_merchant_ids() -> None:
    objects = {"02": "4111111111111111", "04": "512345678912345", "53": "840", "58": "US"}

    result = view(merchant_code("26", {"00": "COM.EXAMPLE.UNKNOWN", "01": "M1"}, objects))

    assert result.scheme is Scheme.EMVCO
    assert result.networks[:2] == (
        Network("visa", "02", None, "4111111111111111"),
        Network("mastercard", "04", None, "512345678912345"),
    )


def test_unknown_template_decodes_generically_with_its_gui_as_network() -> None:
    gui = "COM.EXAMPLE.UNKNOWN"

    reading = reader.read(mpm.encode(merchant_code("40", {"00": gui, "01": "M1"})))

    assert reading.valid
    assert reading.scheme is Scheme.EMVCO
    assert reading.view is not None
    assert reading.view.networks == (Network(gui, "40", gui, "M1"),)


def test_networks_carry_the_account_their_profile_reads() -> None:
    code = merchant_code("26", _members("COM.EXAMPLE.WALLET", "PROXY-1"))

    assert REGISTRY.view(code).networks == (
        Network("paynow", "26", "COM.EXAMPLE.WALLET", "PROXY-1"),
    )


def test_standard_profile_names_the_code_whatever_the_template_order() -> None:
    national = Template(_members("COM.EXAMPLE.NATIONAL"))

    result = REGISTRY.view(merchant_code("26", _members("COM.EXAMPLE.WALLET"), {"51": national}))

    assert (result.scheme, result.network) == (Scheme.SGQR, "National")
    assert [n.name for n in result.networks] == ["paynow", "sgqr"]


def test_first_of_two_profiles_of_equal_rank_names_the_code() -> None:
    wallet = Template(_members("COM.EXAMPLE.WALLET"))
    code = merchant_code("26", _members("COM.EXAMPLE.OTHER"), {"27": wallet})

    assert REGISTRY.scheme(code) is Scheme.DUITNOW


def test_template_its_profile_refuses_is_left_out_of_the_networks() -> None:
    strict = Template(_members("COM.EXAMPLE.STRICT"))

    result = REGISTRY.view(merchant_code("26", _members("COM.EXAMPLE.WALLET"), {"27": strict}))

    assert [n.template_id for n in result.networks] == ["26"]
    assert result.refused["27"].reason is QrReason.PROFILE_ACCOUNT_INVALID


def test_refusal_by_the_profile_that_names_the_code_is_raised() -> None:
    code = merchant_code("26", _members("COM.EXAMPLE.STRICT"))

    with pytest.raises(QrError) as info:
        REGISTRY.view(code)

    assert info.value.field == "26.02"


def test_reader_warns_about_a_refused_network() -> None:
    strict = Template(_members("COM.EXAMPLE.STRICT"))
    payload = mpm.encode(merchant_code("26", _members("COM.EXAMPLE.WALLET"), {"27": strict}))

    reading = reader.read(payload, registry=REGISTRY)

    assert reading.valid
    assert ("profile_network_refused", "27.02") in {(w.code, w.field) for w in reading.warnings}
