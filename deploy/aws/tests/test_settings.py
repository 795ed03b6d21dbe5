"""Context flags: parsing, defaults, and the refusals that stop a bad synthesis early."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App

from qrpay_cdk.settings import AuroraMode, SettingError, Settings, from_context


def _settings(context: dict[str, Any]) -> Settings:
    return from_context(App(context=context).node, {})


def test_defaults_ask_for_nothing_optional() -> None:
    s = _settings({})
    assert s.aurora_mode is AuroraMode.SERVERLESS
    assert (s.use_cloudhsm, s.use_opensearch, s.deletion_protection) == (False, False, False)
    assert s.domain_name is None
    assert s.dr_region is None
    assert s.allowed_cidrs == ()
    assert (s.api_desired_count, s.worker_desired_count) == (2, 1)


def test_strings_from_the_command_line_are_parsed() -> None:
    s = _settings(
        {
            "use_cloudhsm": "true",
            "use_opensearch": "0",
            "api_desired_count": "4",
            "allowed_cidrs": "10.0.0.0/8, 2001:db8::/32",
            "aurora_mode": "PROVISIONED",
        }
    )
    assert s.use_cloudhsm is True
    assert s.use_opensearch is False
    assert s.api_desired_count == 4
    assert s.allowed_cidrs == ("10.0.0.0/8", "2001:db8::/32")
    assert s.aurora_mode is AuroraMode.PROVISIONED


def test_cidrs_may_be_a_json_list() -> None:
    assert _settings({"allowed_cidrs": '["192.0.2.0/24"]'}).allowed_cidrs == ("192.0.2.0/24",)


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"aurora_mode": "dynamo"}, "aurora_mode"),
        ({"use_cloudhsm": "maybe"}, "use_cloudhsm"),
        ({"allowed_cidrs": "10.0.0.1/8"}, "allowed_cidrs"),
        ({"api_desired_count": "-1"}, "api_desired_count"),
        ({"worker_desired_count": "1000"}, "worker_desired_count"),
        ({"log_retention_days": "42"}, "log_retention_days"),
        ({"domain_name": "pay.example.com"}, "hosted_zone_id"),
        ({"dr_region": "eu-central-1"}, "dr_region"),
        ({"image": "x/y:1", "ecr_repository": "qrpay"}, "image"),
        ({"waf_rate_limit": "5"}, "waf_rate_limit"),
    ],
)
def test_bad_values_are_refused_naming_the_flag(context: dict[str, str], message: str) -> None:
    with pytest.raises(SettingError, match=message):
        _settings(context)


def test_dr_region_must_differ_from_the_primary() -> None:
    context = {
        "domain_name": "p.example.com",
        "hosted_zone_id": "Z1",
        "region": "eu-west-1",
        "dr_region": "eu-west-1",
    }
    with pytest.raises(SettingError, match="differ"):
        _settings(context)
