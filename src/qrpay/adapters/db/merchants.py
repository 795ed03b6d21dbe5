"""Merchants, their stores and their terminals."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, select

from qrpay.adapters.db.connection import Db
from qrpay.adapters.db.rows import instance_of, values_of
from qrpay.adapters.db.schema import merchants, stores, terminals
from qrpay.domain.currency import currency
from qrpay.domain.ids import AccountId, MerchantId, TerminalId
from qrpay.domain.merchants import Merchant, MerchantStatus, Store, Terminal
from qrpay.services.unit_of_work import FETCH_SIZE_MAX

_m = merchants.c


class SqlMerchantRepository:
    def __init__(self, db: Db) -> None:
        self._db = db

    async def add(self, merchant: Merchant) -> None:
        row = {
            "id": merchant.id,
            "legal_name": merchant.legal_name,
            "display_name": merchant.display_name,
            "city": merchant.city,
            "country": merchant.country,
            "mcc": merchant.mcc,
            "currency": merchant.currency.code,
            "account_id": merchant.account_id,
            "status": merchant.status.value,
            "created_at": merchant.created_at,
        }
        await self._db.execute(merchants.insert(), row)

    async def get(self, merchant_id: MerchantId) -> Merchant | None:
        row = (await self._db.execute(select(merchants).where(_m.id == merchant_id))).first()
        return None if row is None else _merchant(row)

    async def page(self, *, limit: int, starting_after: MerchantId | None) -> list[Merchant]:
        """Newest first (ids sort by creation); ``starting_after`` continues after that id."""
        assert 1 <= limit <= FETCH_SIZE_MAX
        query = select(merchants)
        if starting_after is not None:
            query = query.where(_m.id < starting_after)
        rows = await self._db.execute(query.order_by(_m.id.desc()).limit(limit))
        return [_merchant(row) for row in rows]

    async def add_store(self, store: Store) -> None:
        await self._db.execute(stores.insert(), values_of(store))

    async def add_terminal(self, terminal: Terminal) -> None:
        await self._db.execute(terminals.insert(), values_of(terminal))

    async def get_terminal(self, terminal_id: TerminalId) -> Terminal | None:
        t = terminals.c
        row = (await self._db.execute(select(terminals).where(t.id == terminal_id))).first()
        return None if row is None else instance_of(Terminal, row)


def _merchant(row: Row[Any]) -> Merchant:
    return Merchant(
        id=MerchantId(row.id),
        legal_name=row.legal_name,
        display_name=row.display_name,
        city=row.city,
        country=row.country,
        mcc=row.mcc,
        currency=currency(row.currency),
        account_id=AccountId(row.account_id),
        status=MerchantStatus(row.status),
        created_at=row.created_at,
    )
