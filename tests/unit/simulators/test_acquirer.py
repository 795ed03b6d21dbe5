"""The acquirer simulator's decisions and settings, without a socket."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from qrpay.connectors.base import Card, CardAcceptor
from qrpay.connectors.iso8583 import messages
from qrpay.connectors.iso8583.messages import Message, Transaction
from qrpay.connectors.iso8583.spec import ConditionCode, Mti, ReversalReason
from qrpay.simulators.acquirer import AcquirerSimulator, Fault, Faults
from qrpay.simulators.acquirer_ledger import Ledger
from tests.fakes.iso8583 import KEY

AT = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _authorization(stan: str, amount_minor: int) -> Message:
    return messages.authorization_request(
        Transaction(
            stan=stan,
            transmitted_at=AT,
            amount_minor=amount_minor,
            currency_number="764",
            acceptor=CardAcceptor("TERM0001", "MERCHANT000001"),
            acquirer_id="12345",
            card=Card("4111111111111111"),
        )
    )


def _simulator(tmp_path: Path) -> AcquirerSimulator:
    return AcquirerSimulator(KEY, Ledger(tmp_path / "ledger.json"), now=lambda: AT)


def test_amount_endings_decide_the_response_code(tmp_path: Path) -> None:
    sim = _simulator(tmp_path)

    codes = [sim.decide(_authorization(f"00000{n}", a)) for n, a in enumerate((100, 105, 151))]

    assert [c.get(39) if c else None for c in codes] == ["00", "05", "51"]
    assert sim.ledger.totals()["authorization"]["net_minor"] == 100


def test_a_reversal_takes_back_the_approval_and_a_repeat_changes_nothing(tmp_path: Path) -> None:
    sim = _simulator(tmp_path)
    original = _authorization("000001", 700)
    sim.decide(original)
    reason = ReversalReason.RESPONSE_TOO_LATE

    first = sim.decide(messages.reversal_request(original, "000002", AT, reason, repeat=False))
    again = sim.decide(messages.reversal_request(original, "000003", AT, reason, repeat=True))

    assert first is not None
    assert again is not None
    assert (first.mti, first.get(39), again.get(39)) == (Mti.REVERSAL_RESPONSE, "00", "00")
    assert sim.ledger.totals()["authorization"]["net_minor"] == 0
    assert Ledger(tmp_path / "ledger.json").entries[_key(original)].reversal_messages == 2


def test_a_reversal_of_an_unknown_request_is_answered_25(tmp_path: Path) -> None:
    reversal = messages.reversal_request(
        _authorization("000001", 700), "000002", AT, ReversalReason.RESPONSE_TOO_LATE, repeat=False
    )

    answer = _simulator(tmp_path).decide(reversal)

    assert answer is not None
    assert answer.get(39) == "25"


def test_a_capture_needs_an_approved_authorization(tmp_path: Path) -> None:
    sim = _simulator(tmp_path)
    original = _authorization("000001", 700)
    capture = messages.financial_request(
        Transaction(
            stan="000002",
            transmitted_at=AT,
            amount_minor=700,
            currency_number="764",
            acceptor=CardAcceptor("TERM0001", "MERCHANT000001"),
            acquirer_id="12345",
            condition_code=ConditionCode.PREAUTHORIZED,
            original=original,
        )
    )

    unknown = sim.decide(capture)
    sim.decide(original)
    known = sim.decide(messages.financial_request(_with_stan(capture, "000003")))

    assert unknown is not None
    assert known is not None
    assert (unknown.get(39), known.get(39)) == ("25", "00")


def test_the_same_request_twice_is_a_duplicate(tmp_path: Path) -> None:
    sim = _simulator(tmp_path)
    original = _authorization("000001", 700)
    sim.decide(original)

    again = sim.decide(original)

    assert again is not None
    assert again.get(39) == "94"


def test_one_shot_faults_hit_the_next_financial_request_only() -> None:
    faults = Faults(once=[Fault.DROP])
    rng = random.Random(1)

    assert faults.draw(Mti.REVERSAL_REQUEST, rng) is None
    assert faults.draw(Mti.AUTHORIZATION_REQUEST, rng) is Fault.DROP
    assert faults.draw(Mti.AUTHORIZATION_REQUEST, rng) is None


@pytest.mark.parametrize(
    "changes",
    [{"drop_rate": 2}, {"latency_ms": -1}, {"color": "red"}, {"once": ["explode"]}],
)
def test_bad_fault_settings_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case words its own message
        Faults().update(changes)


def _key(message: Message) -> str:
    return f"TERM0001-{message.get(7)}-{message.stan}"


def _with_stan(message: Message, stan: str) -> Transaction:
    return Transaction(
        stan=stan,
        transmitted_at=AT,
        amount_minor=int(message.require(4)),
        currency_number="764",
        acceptor=CardAcceptor("TERM0001", "MERCHANT000001"),
        acquirer_id="12345",
        condition_code=ConditionCode.PREAUTHORIZED,
        original=_authorization("000001", 700),
    )
