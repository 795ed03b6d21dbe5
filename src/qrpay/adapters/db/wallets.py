"""Payers' wallets; each has one ledger account that can never go negative."""

from __future__ import annotations

from sqlalchemy import select

from qrpay.adapters.db.connection import Db
from qrpay.adapters.db.schema import wallets
from qrpay.domain.currency import currency
from qrpay.domain.ids import AccountId, WalletId
from qrpay.domain.merchants import Wallet


class SqlWalletRepository:
    def __init__(self, db: Db) -> None:
        self._db = db

    async def add(self, wallet: Wallet) -> None:
        row = {
            "id": wallet.id,
            "name": wallet.name,
            "currency": wallet.currency.code,
            "account_id": wallet.account_id,
            "created_at": wallet.created_at,
        }
        await self._db.execute(wallets.insert(), row)

    async def get(self, wallet_id: WalletId) -> Wallet | None:
        w = wallets.c
        row = (await self._db.execute(select(wallets).where(w.id == wallet_id))).first()
        if row is None:
            return None
        return Wallet(
            WalletId(row.id),
            row.name,
            currency(row.currency),
            AccountId(row.account_id),
            row.created_at,
        )
