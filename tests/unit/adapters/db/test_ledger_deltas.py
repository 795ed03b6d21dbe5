"""What a batch asks of each account's guarded UPDATE: net change, and funds needed first."""

from __future__ import annotations

from qrpay.adapters.db.ledger import batch_deltas, first_refusal
from qrpay.domain.errors import AccountNotFound, TransferInvalid
from qrpay.domain.ids import AccountId
from qrpay.domain.ledger import Account, AccountKind
from tests import builders

A, B, C = AccountId("a"), AccountId("b"), AccountId("c")


def test_deltas_sum_each_accounts_side_of_the_batch() -> None:
    deltas = batch_deltas(
        [
            builders.transfer(A, B, 10),
            builders.transfer(A, C, 4, pending=True),
            builders.transfer(B, A, 3),
        ]
    )
    a, b, c = deltas[A], deltas[B], deltas[C]
    assert (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted) == (4, 10, 0, 3)
    assert (b.debits_pending, b.debits_posted, b.credits_pending, b.credits_posted) == (0, 3, 0, 10)
    assert (c.debits_pending, c.debits_posted, c.credits_pending, c.credits_posted) == (0, 0, 4, 0)


def test_need_is_the_deepest_point_the_batch_reaches_in_order() -> None:
    # A pays 10, receives 6, pays 5: in order it needs 10 first, then 9 in all
    spend_first = batch_deltas(
        [builders.transfer(A, B, 10), builders.transfer(B, A, 6), builders.transfer(A, B, 5)]
    )
    # credited first, A needs only what the credit does not cover
    credit_first = batch_deltas([builders.transfer(B, A, 6), builders.transfer(A, B, 10)])
    assert spend_first[A].need_minor == 10
    assert credit_first[A].need_minor == 4
    assert spend_first[B].need_minor == 0  # B is paid 10 before it pays 6


def test_pending_credits_do_not_count_as_available() -> None:
    deltas = batch_deltas(
        [builders.transfer(B, A, 6, pending=True), builders.transfer(A, B, 10, pending=True)]
    )
    assert deltas[A].need_minor == 10


def test_an_account_only_credited_needs_nothing() -> None:
    assert batch_deltas([builders.transfer(A, B, 10)])[B].need_minor == 0


def test_first_refusal_finds_the_first_transfer_the_rules_refuse() -> None:
    facts = {A: Account(A, AccountKind.WALLET, "THB"), B: Account(B, AccountKind.MERCHANT, "THB")}
    batch = [
        builders.transfer(A, B, 1_000_000),  # funds are the database's call, not checked here
        builders.transfer(A, C, 1),
        builders.transfer(A, A, 1),
    ]
    index, refusal = first_refusal(batch, facts)
    assert index == 1
    assert isinstance(refusal, AccountNotFound)
    index, refusal = first_refusal([batch[0], batch[2]], facts)
    assert (index, type(refusal)) == (1, TransferInvalid)
    assert first_refusal(batch[:1], facts) == (1, None)
