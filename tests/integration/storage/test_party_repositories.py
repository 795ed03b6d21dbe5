"""Merchants, stores, terminals, wallets and credentials: read back equal, found by key."""

from __future__ import annotations

from datetime import timedelta

from qrpay.adapters.db.store import SqlStore
from qrpay.domain.credentials import ApiKey, WalletToken
from qrpay.domain.ids import ApiKeyId, MerchantId, StoreId, TerminalId, WalletId
from qrpay.domain.merchants import Store, Terminal
from tests import builders
from tests.integration.storage.conftest import Parties


async def test_merchants_read_back_and_page_newest_first(
    sql_store: SqlStore, parties: Parties
) -> None:
    more = [builders.merchant(parties.merchant_account.id) for _ in range(2)]
    async with sql_store() as uow:
        for merchant in more:
            await uow.merchants.add(merchant)
        await uow.commit()
    async with sql_store() as uow:
        assert await uow.merchants.get(parties.merchant.id) == parties.merchant
        assert await uow.merchants.get(MerchantId("mer_missing")) is None
        first = await uow.merchants.page(limit=2, starting_after=None)
        rest = await uow.merchants.page(limit=2, starting_after=first[-1].id)
    assert first == [more[1], more[0]]
    assert rest == [parties.merchant]


async def test_terminals_belong_to_stores(sql_store: SqlStore, parties: Parties) -> None:
    store = Store(StoreId("sto_1"), parties.merchant.id, "Siam Paragon")
    terminal = Terminal(TerminalId("ter_1"), store.id, parties.merchant.id, "POS-01")
    async with sql_store() as uow:
        await uow.merchants.add_store(store)
        await uow.merchants.add_terminal(terminal)
        await uow.commit()
    async with sql_store() as uow:
        assert await uow.merchants.get_terminal(terminal.id) == terminal
        assert await uow.merchants.get_terminal(TerminalId("ter_missing")) is None


async def test_wallets_read_back_equal(sql_store: SqlStore, parties: Parties) -> None:
    async with sql_store() as uow:
        assert await uow.wallets.get(parties.wallet.id) == parties.wallet
        assert await uow.wallets.get(WalletId("wal_missing")) is None


async def test_credentials_are_found_by_their_hash(sql_store: SqlStore, parties: Parties) -> None:
    key = ApiKey(ApiKeyId("key_1"), parties.merchant.id, "a" * 64, builders.NOW)
    revoked = ApiKey(ApiKeyId("key_2"), parties.merchant.id, "b" * 64, builders.NOW, builders.NOW)
    token = WalletToken(
        "wtk_1", parties.wallet.id, "c" * 64, builders.NOW, builders.NOW + timedelta(days=30)
    )
    async with sql_store() as uow:
        await uow.credentials.add_api_key(key)
        await uow.credentials.add_api_key(revoked)
        await uow.credentials.add_wallet_token(token)
        await uow.commit()
    async with sql_store() as uow:
        assert await uow.credentials.find_api_key("a" * 64) == key
        assert await uow.credentials.find_api_key("b" * 64) == revoked
        assert await uow.credentials.find_api_key("c" * 64) is None
        assert await uow.credentials.find_wallet_token("c" * 64) == token
        assert await uow.credentials.find_wallet_token("a" * 64) is None
