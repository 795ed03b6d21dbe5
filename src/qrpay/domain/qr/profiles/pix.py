"""PIX (Brazil), from the Banco Central do Brasil's "Manual de Padrões para Iniciação do Pix".

Template GUI ``br.gov.bcb.pix``: 01 the receiver's key (static codes), 02 a free text,
25 the URL of the payload location (dynamic codes). Amounts in BRL (986); 62.05 is the
transaction id, up to 25 letters and digits or "***" when the payer's bank makes one.
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
    invalid_member,
    require_country,
    require_currency,
)

_TXID_RE: Final = re.compile(r"(?:[A-Za-z0-9]{1,25}|\*\*\*)\Z")
_KEY_TYPES: Final = (
    ("email", re.compile(r"[^@\s]+@[^@\s]+\Z")),
    ("phone", re.compile(r"\+55[0-9]{10,11}\Z")),
    ("cpf", re.compile(r"[0-9]{11}\Z")),
    ("cnpj", re.compile(r"[0-9]{14}\Z")),
    ("random_key", re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\Z")),
)


def _key_type(key: str) -> str | None:
    return next((name for name, pattern in _KEY_TYPES if pattern.match(key)), None)


def read(code: MerchantPresentedCode, tag: str, template: Template) -> AccountReading:
    require_currency(code, "986", Scheme.PIX)
    require_country(code, "BR", Scheme.PIX)
    txid = code.additional("05")
    if txid is not None and not _TXID_RE.match(txid):
        raise QrError(
            QrReason.PROFILE_REFERENCE_INVALID,
            f"PIX txid {txid!r} is not up to 25 letters and digits or '***'",
            field="62.05",
        )
    key, url = template.get("01"), template.get("25")
    if key is not None:
        key_type = _key_type(key)
        if key_type is None:
            raise invalid_member(
                tag, "01", f"PIX key {key!r} is not an e-mail, phone, CPF, CNPJ or random key"
            )
        return AccountReading(key, key_type, txid)
    if url is not None:
        return AccountReading(url, "url", txid)
    raise QrError(
        QrReason.PROFILE_ACCOUNT_MISSING,
        f"a PIX template needs a key ({tag}.01) or a payload URL ({tag}.25)",
        field=f"{tag}.01",
    )


PROFILE: Final = Profile(Scheme.PIX, "Pix", frozenset({"BR.GOV.BCB.PIX"}), read)
