"""The simulator's settings: latency distributions, decline rules, fault rates and one-shots."""

from __future__ import annotations

import random

import click
import pytest
from click.testing import CliRunner

from qrpay.cli.sim_instant import instant, register
from qrpay.connectors.iso20022.documents import MessageType
from qrpay.simulators.instant_behaviour import (
    Behaviour,
    Fault,
    Latency,
    SettingInvalid,
    parse_declines,
)


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("fixed:25", 25, 25),
        ("uniform:5:20", 5, 20),
        ("normal:50:0", 50, 50),
        ("exponential:0", 0, 0),
    ],
)
def test_latency_samples_stay_within_their_distribution(text: str, low: float, high: float) -> None:
    latency = Latency.parse(text)
    rng = random.Random(1)
    assert all(low <= latency.sample_ms(rng) <= high for _ in range(200))
    assert str(latency) == text


@pytest.mark.parametrize(
    "text", ["", "fixed", "fixed:-1", "uniform:9:1", "gamma:1", "fixed:99999999"]
)
def test_a_bad_latency_is_refused(text: str) -> None:
    with pytest.raises(SettingInvalid):
        Latency.parse(text)


def test_decline_rules_parse_and_none_clears_them() -> None:
    assert parse_declines(["01=ac01", "99=AM04"]) == {"01": "AC01", "99": "AM04"}
    assert parse_declines(["none"]) == {}
    with pytest.raises(SettingInvalid):
        parse_declines(["x1=AC01"])


def test_one_shot_faults_hit_the_next_message_of_their_type_in_order() -> None:
    behaviour = Behaviour()
    behaviour.update(
        {"next": ["late", {"fault": "garbage", "message": "pacs.028.001.04"}, "close"]}
    )
    assert behaviour.fault_for(MessageType.PACS_028) is Fault.GARBAGE
    assert behaviour.fault_for(MessageType.PACS_008) is Fault.LATE
    assert behaviour.fault_for(MessageType.PACS_008) is Fault.CLOSE
    assert behaviour.fault_for(MessageType.PACS_008) is None


def test_a_rate_of_one_always_faults_and_zero_never() -> None:
    behaviour = Behaviour(rng=random.Random(3))
    behaviour.update({"drop_rate": 1})
    assert {behaviour.fault_for(MessageType.PACS_008) for _ in range(50)} == {Fault.DROP}
    behaviour.update({"drop_rate": 0})
    assert {behaviour.fault_for(MessageType.PACS_008) for _ in range(50)} == {None}


@pytest.mark.parametrize(
    "settings",
    [
        {"drop_rate": 0.6, "late_rate": 0.6},
        {"latency": "fixed:1", "bogus": 1},
        {"garbage_rate": 2},
        {"next": ["melt"]},
        {"late_ms": -1},
    ],
)
def test_a_bad_control_request_changes_nothing(settings: dict[str, object]) -> None:
    behaviour = Behaviour()
    before = behaviour.to_dict()
    with pytest.raises(SettingInvalid):
        behaviour.update(settings)
    assert behaviour.to_dict() == before


def test_the_decline_rate_rejects_with_its_code() -> None:
    behaviour = Behaviour(declines={}, decline_rate=1.0, decline_rate_code="MS03")
    assert behaviour.decline_code(12050) == "MS03"


def test_the_instant_command_joins_an_existing_sim_group() -> None:
    cli = click.Group("qrpay")
    existing = click.Group("sim")
    cli.add_command(existing)
    register(cli)
    assert cli.commands["sim"] is existing
    assert existing.commands["instant"] is instant


def test_a_bad_flag_is_a_usage_error() -> None:
    result = CliRunner().invoke(instant, ["--latency", "gamma:1"])
    assert result.exit_code == 2
    assert "latency" in result.output
