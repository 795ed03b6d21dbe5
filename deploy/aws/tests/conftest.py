"""Synthesises the app once per flag combination and shares the templates between tests.

Three combinations cover every flag: the defaults; every flag on but DR; and every flag on
with ``dr_region``. Synthesis runs in-process (``App().synth()``); no AWS account, no
``cdk`` CLI, only the node runtime that aws-cdk-lib's jsii bridge starts.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from qrpay_cdk.settings import from_context
from qrpay_cdk.stacks import build

HERE: Final = Path(__file__).resolve().parent.parent
FEATURE_FLAGS: Final = json.loads((HERE / "cdk.json").read_text())["context"]
ALLOWED_CIDRS: Final = ("203.0.113.0/24", "2001:db8::/32")
DOMAIN: Final = "pay.example.com"
FLAGS: Final = {
    "domain_name": DOMAIN,
    "hosted_zone_id": "Z0123456789ABCDEFGHIJ",
    "hosted_zone_name": "example.com",
    "allowed_cidrs": ",".join(ALLOWED_CIDRS),
    "aurora_mode": "provisioned",
    "use_cloudhsm": "true",
    "use_opensearch": "true",
    "alarm_email": "ops@example.com",
    "deletion_protection": "true",
    "image": "public.ecr.aws/example/qrpay:1.2.3",
    "api_desired_count": "3",
    "worker_desired_count": "2",
}
DR: Final = {**FLAGS, "dr_region": "eu-central-1"}


@dataclass(frozen=True)
class Synthesis:
    """One synthesised app: its templates by stack id, and the cloud assembly folder."""

    templates: dict[str, Template]
    regions: dict[str, str]
    outdir: Path

    def __getitem__(self, stack_id: str) -> Template:
        return self.templates[stack_id]

    def json(self, stack_id: str) -> dict[str, Any]:
        return dict(self.templates[stack_id].to_json())


def synthesise(context: dict[str, str], outdir: Path) -> Synthesis:
    app = cdk.App(context={**FEATURE_FLAGS, **context}, outdir=str(outdir))
    stacks = build(app, from_context(app.node, {}))
    app.synth()
    return Synthesis(
        templates={s.node.id: Template.from_stack(s) for s in stacks},
        regions={s.node.id: s.region for s in stacks},
        outdir=outdir,
    )


@pytest.fixture(scope="session")
def default(tmp_path_factory: pytest.TempPathFactory) -> Synthesis:
    return synthesise({}, tmp_path_factory.mktemp("default"))


@pytest.fixture(scope="session")
def flagged(tmp_path_factory: pytest.TempPathFactory) -> Synthesis:
    return synthesise(FLAGS, tmp_path_factory.mktemp("flagged"))


@pytest.fixture(scope="session")
def dr(tmp_path_factory: pytest.TempPathFactory) -> Synthesis:
    return synthesise(DR, tmp_path_factory.mktemp("dr"))


def resources(template: Template, kind: str) -> dict[str, dict[str, Any]]:
    return {name: dict(value) for name, value in template.find_resources(kind).items()}


def one(template: Template, kind: str) -> dict[str, Any]:
    found = resources(template, kind)
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return next(iter(found.values()))


def walk(value: Any) -> Iterator[Any]:
    """Every nested value of a template fragment, depth first, without recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        yield item
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
