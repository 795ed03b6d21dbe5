"""The store's ledger against the domain's ``Ledger``: any sequence of operations, same result.

A hypothesis state machine applies each random operation to the pure model and, through a
unit of work, to the store: accounts opened with and without the no-overdraw flag, batches
of posted and pending transfers (some of which the rules refuse, some part-way through),
posts in full and in part, voids and expiries, of transfers that are pending or not. After
every step the store's accounts and transfers equal the model's, both refused or accepted
the same operation with the same error, and ``check_invariants`` holds on what the store
holds. Funds refusals are the store's guarded UPDATEs' own decisions (the store reads no
balance before it writes), and the database's constraints never have to step in: any
error the database raises fails the test, so a weakened guard cannot hide behind them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import event
from sqlalchemy.engine import URL, ExceptionContext

from qrpay.adapters.db.store import SqlStore
from qrpay.domain.errors import LedgerError
from qrpay.domain.ids import AccountId, TransferId
from qrpay.domain.ledger import Account, AccountKind, Ledger, Transfer, check_invariants
from tests import builders
from tests.databases import empty_tables
from tests.loops import LoopThread

CURRENCIES: Final = ("THB", "USD")
MISSING: Final = AccountId("acc_missing")
SETTINGS: Final = {
    "sqlite": settings(
        max_examples=30,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    ),
    "postgres": settings(
        max_examples=30,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    ),
}

# One leg of a batch: debit, credit, amount, pending?, in the debit account's currency?
legs = st.tuples(
    st.integers(0, 60),
    st.booleans(),
    st.sampled_from([True, True, True, False]),
)


def _refusal(operation: Callable[[], Any]) -> type[LedgerError] | None:
    try:
        operation()
    except LedgerError as exc:
        return type(exc)
    return None


class LedgerMachine(RuleBasedStateMachine):
    accounts = Bundle("accounts")

    def __init__(self, url: URL) -> None:
        super().__init__()
        self.loop = LoopThread().__enter__()
        self.store = SqlStore(url)
        self.loop.run(empty_tables(self.store))
        self.model = Ledger()
        self.currencies: dict[AccountId, str] = {}
        self.database_errors: list[str] = []
        event.listen(self.store.engine.sync_engine, "handle_error", self._database_error)

    def teardown(self) -> None:
        try:
            self.loop.run(self.store.dispose())
        finally:
            self.loop.__exit__(None, None, None)

    @rule(target=accounts, no_overdraw=st.booleans(), currency_code=st.sampled_from(CURRENCIES))
    def open_account(self, no_overdraw: bool, currency_code: str) -> AccountId:
        kind = AccountKind.WALLET if no_overdraw else AccountKind.FUNDING
        opened = builders.account(kind=kind, currency_code=currency_code, no_overdraw=no_overdraw)
        self.model.open_account(Account(opened.id, kind, currency_code, no_overdraw))
        self.currencies[opened.id] = currency_code
        self.loop.run(self._open(opened))
        return opened.id

    @rule(
        ends=st.lists(
            st.tuples(st.one_of(accounts, st.just(MISSING)), st.one_of(accounts, st.just(MISSING))),
            min_size=1,
            max_size=4,
        ),
        shapes=st.lists(legs, min_size=4, max_size=4),
    )
    def create_batch(
        self, ends: list[tuple[AccountId, AccountId]], shapes: list[tuple[int, bool, bool]]
    ) -> None:
        batch = [
            self._transfer(debit, credit, amount, pending, own_currency)
            for (debit, credit), (amount, pending, own_currency) in zip(ends, shapes, strict=False)
        ]
        expected = _refusal(lambda: self.model.create_transfers(batch))
        assert self.loop.run(self._create(batch)) == expected

    @rule(data=st.data(), partial=st.booleans())
    def post_pending(self, data: st.DataObject, partial: bool) -> None:
        transfer_id, amount = self._pick(data)
        posted = amount if partial else None
        expected = _refusal(lambda: self.model.post_pending(transfer_id, posted))
        assert self.loop.run(self._post(transfer_id, posted)) == expected

    @rule(data=st.data(), expired=st.booleans())
    def void_pending(self, data: st.DataObject, expired: bool) -> None:
        transfer_id, _ = self._pick(data)
        expected = _refusal(lambda: self.model.void_pending(transfer_id, expired=expired))
        assert self.loop.run(self._void(transfer_id, expired=expired)) == expected

    @invariant()
    def constraints_never_had_to_refuse(self) -> None:
        assert self.database_errors == []

    @invariant()
    def store_agrees_with_the_model(self) -> None:
        accounts, transfers = self.loop.run(self._everything())
        assert accounts == sorted(self.model.accounts.values(), key=lambda a: a.id)
        assert transfers == sorted(self.model.transfers.values(), key=lambda t: t.id)
        check_invariants(accounts, transfers)

    def _database_error(self, context: ExceptionContext) -> None:
        self.database_errors.append(repr(context.original_exception))

    def _transfer(
        self, debit: AccountId, credit: AccountId, amount: int, pending: bool, own_currency: bool
    ) -> Transfer:
        currency_code = self.currencies.get(debit, "THB")
        if not own_currency:
            currency_code = next(c for c in CURRENCIES if c != currency_code)
        # a posted transfer posts its amount, so an amount of zero can only be pending
        return builders.transfer(
            debit, credit, amount, pending=pending or amount == 0, currency_code=currency_code
        )

    def _pick(self, data: st.DataObject) -> tuple[TransferId, int]:
        """Any transfer (pending or not) or a missing one, and an amount around its own."""
        known = sorted(self.model.transfers)
        transfer_id = data.draw(
            st.sampled_from([*known, TransferId("tr_missing")]), label="transfer"
        )
        found = self.model.transfers.get(transfer_id)
        ceiling = found.amount_minor + 1 if found else 5
        return transfer_id, data.draw(st.integers(-1, ceiling), label="amount")

    async def _open(self, account: Account) -> None:
        async with self.store() as uow:
            await uow.ledger.open_accounts([account])
            await uow.commit()

    async def _create(self, batch: list[Transfer]) -> type[LedgerError] | None:
        async with self.store() as uow:
            try:
                await uow.ledger.create_transfers(batch)
            except LedgerError as exc:
                return type(exc)
            await uow.commit()
        return None

    async def _post(self, transfer_id: TransferId, amount: int | None) -> type[LedgerError] | None:
        async with self.store() as uow:
            try:
                await uow.ledger.post_pending(transfer_id, amount)
            except LedgerError as exc:
                return type(exc)
            await uow.commit()
        return None

    async def _void(self, transfer_id: TransferId, *, expired: bool) -> type[LedgerError] | None:
        async with self.store() as uow:
            try:
                await uow.ledger.void_pending(transfer_id, expired=expired)
            except LedgerError as exc:
                return type(exc)
            await uow.commit()
        return None

    async def _everything(self) -> tuple[list[Account], list[Transfer]]:
        async with self.store() as uow:
            return await uow.ledger.all_accounts(), await uow.ledger.all_transfers()


def test_the_store_keeps_every_ledger_invariant(sql_backend: str, sql_url: URL) -> None:
    class OnThisDatabase(LedgerMachine):
        def __init__(self) -> None:
            super().__init__(sql_url)

    run_state_machine_as_test(OnThisDatabase, settings=SETTINGS[sql_backend])
