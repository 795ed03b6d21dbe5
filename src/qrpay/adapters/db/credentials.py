"""API keys and wallet tokens, found by their keyed hash (a unique index), never by secret."""

from __future__ import annotations

from sqlalchemy import select

from qrpay.adapters.db.connection import Db
from qrpay.adapters.db.rows import instance_of, values_of
from qrpay.adapters.db.schema import api_keys, wallet_tokens
from qrpay.domain.credentials import ApiKey, WalletToken


class SqlCredentialRepository:
    def __init__(self, db: Db) -> None:
        self._db = db

    async def add_api_key(self, key: ApiKey) -> None:
        await self._db.execute(api_keys.insert(), values_of(key))

    async def find_api_key(self, key_hash: str) -> ApiKey | None:
        k = api_keys.c
        row = (await self._db.execute(select(api_keys).where(k.key_hash == key_hash))).first()
        if row is None:
            return None
        return instance_of(ApiKey, row)

    async def add_wallet_token(self, token: WalletToken) -> None:
        await self._db.execute(wallet_tokens.insert(), values_of(token))

    async def find_wallet_token(self, token_hash: str) -> WalletToken | None:
        t = wallet_tokens.c
        query = select(wallet_tokens).where(t.token_hash == token_hash)
        row = (await self._db.execute(query)).first()
        if row is None:
            return None
        return instance_of(WalletToken, row)
