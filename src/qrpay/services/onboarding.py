"""Operator commands: merchants with their stores, terminals and API keys; payer wallets."""

from __future__ import annotations

import re
from dataclasses import dataclass

import iso3166

from qrpay.domain.credentials import (
    API_KEY_PREFIX,
    WALLET_TOKEN_PREFIX,
    ApiKey,
    WalletToken,
    credential_hash,
)
from qrpay.domain.currency import currency
from qrpay.domain.errors import NotFound, RequestInvalid
from qrpay.domain.ids import (
    AccountId,
    ApiKeyId,
    MerchantId,
    StoreId,
    TerminalId,
    TransferId,
    WalletId,
)
from qrpay.domain.ledger import Account, AccountKind, Transfer, TransferCode, TransferStatus
from qrpay.domain.merchants import (
    TERMINAL_LABEL_CHARS_MAX,
    Merchant,
    MerchantStatus,
    Store,
    Terminal,
    Wallet,
)
from qrpay.domain.money import Money
from qrpay.services.context import Context
from qrpay.services.unit_of_work import UnitOfWork

NAME_CHARS_MAX = 100
_MCC_RE = re.compile(r"[0-9]{4}\Z")


@dataclass(frozen=True, slots=True)
class CreateMerchant:
    name: str
    city: str
    country: str
    mcc: str
    currency: str
    display_name: str | None = None


@dataclass(frozen=True, slots=True)
class CreateWallet:
    name: str
    currency: str
    balance_minor: int = 0


def funding_account_id(currency_code: str) -> AccountId:
    """Where top-ups come from: the operator's side of money paid into wallets."""
    return AccountId(f"funding:{currency_code}")


def _check_merchant(cmd: CreateMerchant) -> list[dict[str, str]]:
    errors = []
    if not cmd.name.strip() or len(cmd.name) > NAME_CHARS_MAX:
        errors.append({"field": "name", "message": f"1 to {NAME_CHARS_MAX} characters"})
    if not cmd.city.strip() or len(cmd.city) > NAME_CHARS_MAX:
        errors.append({"field": "city", "message": f"1 to {NAME_CHARS_MAX} characters"})
    if cmd.country not in iso3166.countries_by_alpha2:
        errors.append({"field": "country", "message": "an ISO 3166 alpha-2 code, e.g. TH"})
    if not _MCC_RE.match(cmd.mcc):
        errors.append({"field": "mcc", "message": "a merchant category code of 4 digits"})
    return errors


async def create_merchant(ctx: Context, uow: UnitOfWork, cmd: CreateMerchant) -> Merchant:
    errors = _check_merchant(cmd)
    if errors:
        raise RequestInvalid("the merchant is not valid", errors)
    unit = currency(cmd.currency)
    account = Account(AccountId(ctx.ids.new("acc")), AccountKind.MERCHANT, unit.code, True)
    merchant = Merchant(
        id=MerchantId(ctx.ids.new("mer")),
        legal_name=cmd.name,
        display_name=cmd.display_name or cmd.name,
        city=cmd.city,
        country=cmd.country,
        mcc=cmd.mcc,
        currency=unit,
        account_id=account.id,
        status=MerchantStatus.ACTIVE,
        created_at=ctx.now(),
    )
    await uow.ledger.open_accounts([account])
    await uow.merchants.add(merchant)
    return merchant


async def require_merchant(uow: UnitOfWork, merchant_id: MerchantId) -> Merchant:
    merchant = await uow.merchants.get(merchant_id)
    if merchant is None:
        raise NotFound("merchant", merchant_id)
    return merchant


async def add_terminal(
    ctx: Context, uow: UnitOfWork, merchant_id: MerchantId, store_name: str, label: str
) -> Terminal:
    """A store with one terminal; the terminal's label goes into 62.07 of its codes."""
    await require_merchant(uow, merchant_id)
    if not label or len(label) > TERMINAL_LABEL_CHARS_MAX:
        raise RequestInvalid(
            "terminal label", [{"field": "label", "message": "1 to 25 characters"}]
        )
    store = Store(StoreId(ctx.ids.new("sto")), merchant_id, store_name)
    terminal = Terminal(TerminalId(ctx.ids.new("ter")), store.id, merchant_id, label)
    await uow.merchants.add_store(store)
    await uow.merchants.add_terminal(terminal)
    return terminal


async def issue_api_key(
    ctx: Context, uow: UnitOfWork, merchant_id: MerchantId
) -> tuple[ApiKey, str]:
    """A new key for the merchant. The secret is returned once and stored only as a hash."""
    await require_merchant(uow, merchant_id)
    secret = ctx.new_secret(API_KEY_PREFIX)
    key = ApiKey(
        ApiKeyId(ctx.ids.new("key")), merchant_id, credential_hash(secret, ctx.pepper), ctx.now()
    )
    await uow.credentials.add_api_key(key)
    return key, secret


async def create_wallet(
    ctx: Context, uow: UnitOfWork, cmd: CreateWallet
) -> tuple[Wallet, str, Account]:
    """A payer wallet with its no-overdraft account, an opening balance and a token."""
    if not cmd.name.strip() or len(cmd.name) > NAME_CHARS_MAX:
        raise RequestInvalid("wallet name", [{"field": "name", "message": "1 to 100 characters"}])
    unit = currency(cmd.currency)
    account = Account(AccountId(ctx.ids.new("acc")), AccountKind.WALLET, unit.code, True)
    funding = Account(funding_account_id(unit.code), AccountKind.FUNDING, unit.code)
    wallet = Wallet(WalletId(ctx.ids.new("wal")), cmd.name, unit, account.id, ctx.now())
    await uow.ledger.open_accounts([account, funding])
    await uow.wallets.add(wallet)
    if cmd.balance_minor:
        await top_up(ctx, uow, wallet, Money.positive(cmd.balance_minor, unit.code))
    secret = ctx.new_secret(WALLET_TOKEN_PREFIX)
    token = WalletToken(
        ctx.ids.new("wtk"), wallet.id, credential_hash(secret, ctx.pepper), ctx.now()
    )
    await uow.credentials.add_wallet_token(token)
    accounts = await uow.ledger.get_accounts([account.id])
    return wallet, secret, accounts[account.id]


async def require_wallet(uow: UnitOfWork, wallet_id: WalletId) -> Wallet:
    wallet = await uow.wallets.get(wallet_id)
    if wallet is None:
        raise NotFound("wallet", wallet_id)
    return wallet


async def top_up(ctx: Context, uow: UnitOfWork, wallet: Wallet, amount: Money) -> Account:
    """Money paid into a wallet: funding account -> wallet account, posted."""
    if amount.currency != wallet.currency:
        raise RequestInvalid(
            "top-up currency", [{"field": "amount", "message": f"in {wallet.currency.code}"}]
        )
    transfer = Transfer(
        id=TransferId(ctx.ids.new("trf")),
        debit_account_id=funding_account_id(wallet.currency.code),
        credit_account_id=wallet.account_id,
        amount_minor=amount.amount_minor,
        currency=wallet.currency.code,
        code=TransferCode.TOP_UP,
        status=TransferStatus.POSTED,
        created_at=ctx.now(),
        amount_posted_minor=amount.amount_minor,
    )
    await uow.ledger.create_transfers([transfer])
    accounts = await uow.ledger.get_accounts([wallet.account_id])
    return accounts[wallet.account_id]
