"""Domain objects with sensible defaults, for tests that need one and care about one field.

Ids are readable and unique per call; amounts are THB minor units unless given.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from qrpay.domain.checkouts import Checkout, CheckoutStatus
from qrpay.domain.currency import currency
from qrpay.domain.ids import (
    AccountId,
    AttemptId,
    CheckoutId,
    MerchantId,
    PaymentId,
    TransferId,
    WalletId,
)
from qrpay.domain.ledger import Account, AccountKind, Transfer, TransferCode, TransferStatus
from qrpay.domain.merchants import Merchant, MerchantStatus, Wallet
from qrpay.domain.money import Money
from qrpay.domain.payments import Attempt, AttemptStatus, Payment, PaymentSource, PaymentStatus

NOW: Final = datetime(2026, 11, 24, 9, 30, 15, 123456, tzinfo=UTC)
_serial = itertools.count(1)


def next_id(prefix: str) -> str:
    """Ids that sort by creation, as the real ones do."""
    return f"{prefix}_{next(_serial):08d}"


def account(
    account_id: str | None = None,
    *,
    kind: AccountKind = AccountKind.WALLET,
    currency_code: str = "THB",
    no_overdraw: bool = False,
) -> Account:
    return Account(AccountId(account_id or next_id("acc")), kind, currency_code, no_overdraw)


def transfer(
    debit: Account | str,
    credit: Account | str,
    amount_minor: int,
    *,
    pending: bool = False,
    currency_code: str | None = None,
    transfer_id: str | None = None,
    **fields: Any,
) -> Transfer:
    debit_id = debit if isinstance(debit, str) else debit.id
    credit_id = credit if isinstance(credit, str) else credit.id
    if currency_code is None:
        currency_code = "THB" if isinstance(debit, str) else debit.currency
    status = TransferStatus.PENDING if pending else TransferStatus.POSTED
    return Transfer(
        id=TransferId(transfer_id or next_id("tr")),
        debit_account_id=AccountId(debit_id),
        credit_account_id=AccountId(credit_id),
        amount_minor=amount_minor,
        currency=currency_code,
        code=fields.pop("code", TransferCode.PAYMENT),
        status=status,
        created_at=fields.pop("created_at", NOW),
        amount_posted_minor=0 if pending else amount_minor,
        **fields,
    )


def merchant(account_id: AccountId, **fields: Any) -> Merchant:
    values: dict[str, Any] = {
        "id": MerchantId(next_id("mer")),
        "legal_name": "Somtam Corner Co., Ltd.",
        "display_name": "Somtam Corner",
        "city": "Bangkok",
        "country": "TH",
        "mcc": "5812",
        "currency": currency("THB"),
        "account_id": account_id,
        "status": MerchantStatus.ACTIVE,
        "created_at": NOW,
    }
    values.update(fields)
    return Merchant(**values)


def wallet(account_id: AccountId, **fields: Any) -> Wallet:
    values: dict[str, Any] = {
        "id": WalletId(next_id("wal")),
        "name": "Somchai",
        "currency": currency("THB"),
        "account_id": account_id,
        "created_at": NOW,
    }
    values.update(fields)
    return Wallet(**values)


def checkout(merchant_id: MerchantId, amount_minor: int = 12_050, **fields: Any) -> Checkout:
    values: dict[str, Any] = {
        "id": CheckoutId(next_id("chk")),
        "merchant_id": merchant_id,
        "amount": Money.of(amount_minor, "THB"),
        "reference": "ORDER-0042",
        "status": CheckoutStatus.OPEN,
        "qr_payload": "000201010212",
        "created_at": NOW,
        "expires_at": NOW + timedelta(minutes=15),
    }
    values.update(fields)
    return Checkout(**values)


def payment(
    merchant_id: MerchantId,
    wallet_id: WalletId | None = None,
    amount_minor: int = 12_050,
    **fields: Any,
) -> Payment:
    values: dict[str, Any] = {
        "id": PaymentId(next_id("pay")),
        "merchant_id": merchant_id,
        "amount": Money.of(amount_minor, "THB"),
        "source": PaymentSource.QR,
        "status": PaymentStatus.PROCESSING,
        "created_at": NOW,
        "wallet_id": wallet_id,
    }
    values.update(fields)
    return Payment(**values)


def attempt(status: AttemptStatus = AttemptStatus.APPROVED, **fields: Any) -> Attempt:
    values: dict[str, Any] = {
        "id": AttemptId(next_id("att")),
        "connector": "onus",
        "status": status,
        "created_at": NOW,
        "network_code": "00",
    }
    values.update(fields)
    return Attempt(**values)
