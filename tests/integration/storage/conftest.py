"""Rows most storage tests need: a funding account, a funded wallet and a merchant."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import pytest

from qrpay.adapters.db.store import SqlStore
from qrpay.domain.ledger import Account, AccountKind
from qrpay.domain.merchants import Merchant, Wallet
from tests import builders

WALLET_FUNDS_MINOR: Final = 100_000


@dataclass(frozen=True, slots=True)
class Parties:
    funding: Account
    wallet_account: Account
    merchant_account: Account
    merchant: Merchant
    wallet: Wallet


@pytest.fixture
async def parties(sql_store: SqlStore) -> Parties:
    funding = builders.account("funding:THB", kind=AccountKind.FUNDING)
    wallet_account = builders.account(no_overdraw=True)
    merchant_account = builders.account(kind=AccountKind.MERCHANT)
    merchant = builders.merchant(merchant_account.id)
    wallet = builders.wallet(wallet_account.id)
    async with sql_store() as uow:
        await uow.ledger.open_accounts([funding, wallet_account, merchant_account])
        await uow.merchants.add(merchant)
        await uow.wallets.add(wallet)
        top_up = builders.transfer(funding, wallet_account, WALLET_FUNDS_MINOR)
        await uow.ledger.create_transfers([top_up])
        await uow.commit()
    return Parties(funding, wallet_account, merchant_account, merchant, wallet)
