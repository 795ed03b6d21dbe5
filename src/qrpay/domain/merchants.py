"""Merchants, their stores and terminals, and the wallets of payers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from qrpay.domain.currency import Currency
from qrpay.domain.ids import AccountId, MerchantId, StoreId, TerminalId, WalletId

MERCHANT_NAME_CHARS_MAX = 25
"""EMVCo data object 59."""
MERCHANT_CITY_CHARS_MAX = 15
"""EMVCo data object 60."""
TERMINAL_LABEL_CHARS_MAX = 25
"""EMVCo data object 62.07."""


class MerchantStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


@dataclass(frozen=True, slots=True)
class Merchant:
    id: MerchantId
    legal_name: str
    display_name: str
    city: str
    country: str
    mcc: str
    currency: Currency
    account_id: AccountId
    status: MerchantStatus
    created_at: datetime

    @property
    def qr_name(self) -> str:
        """The name as it fits in a QR code (59): at most 25 characters."""
        return self.display_name[:MERCHANT_NAME_CHARS_MAX]

    @property
    def qr_city(self) -> str:
        return self.city[:MERCHANT_CITY_CHARS_MAX]


@dataclass(frozen=True, slots=True)
class Store:
    id: StoreId
    merchant_id: MerchantId
    name: str


@dataclass(frozen=True, slots=True)
class Terminal:
    id: TerminalId
    store_id: StoreId
    merchant_id: MerchantId
    label: str
    """What goes into 62.07 of the terminal's codes."""


@dataclass(frozen=True, slots=True)
class Wallet:
    id: WalletId
    name: str
    currency: Currency
    account_id: AccountId
    created_at: datetime
