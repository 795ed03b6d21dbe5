"""Merchant-presented codes built from a model, for the profile tests."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from qrpay.domain.errors import QrError
from qrpay.domain.qr import mpm, reader
from qrpay.domain.qr.mpm import MerchantPresentedCode, Template
from qrpay.domain.qr.profiles import DEFAULT_REGISTRY, PaymentView

_BASE = {"00": "01", "01": "11", "52": "0000", "59": "TEST MERCHANT", "60": "CITY"}


def merchant_code(
    template_id: str,
    members: Mapping[str, str],
    objects: Mapping[str, str | Template] | None = None,
) -> MerchantPresentedCode:
    """A code with one merchant account template and any other top-level ``objects``.

    Objects are kept in id order, as the canonical encoder writes them.
    """
    fields: dict[str, str | Template] = {**_BASE, template_id: Template(dict(members))}
    fields.update(objects or {})
    return MerchantPresentedCode(dict(sorted(fields.items())))


def view(code: MerchantPresentedCode) -> PaymentView:
    return DEFAULT_REGISTRY.view(code)


def refusal(code: MerchantPresentedCode) -> QrError:
    with pytest.raises(QrError) as info:
        DEFAULT_REGISTRY.view(code)
    return info.value


def read(code: MerchantPresentedCode) -> reader.Reading:
    """The whole path a wallet takes: encode, then read the payload back."""
    return reader.read(mpm.encode(code))
