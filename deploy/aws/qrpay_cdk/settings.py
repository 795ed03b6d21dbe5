"""Deployment settings: every CDK context flag, its default, and the checks on its value.

A flag comes from ``cdk.json``, ``cdk synth -c name=value`` or ``App(context=...)`` in tests.
Values given on the command line arrive as strings, so booleans, integers and lists are
parsed here, once; a bad value stops synthesis with a message naming the flag.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, TypeVar

from constructs import Node

EDGE_REGION: Final = "us-east-1"  # CloudFront's certificate and web ACL must live here
REGION_DEFAULT: Final = "eu-west-1"
DESIRED_COUNT_MAX: Final = 100
WAF_RATE_LIMIT_MIN: Final = 10
# The retention periods CloudWatch Logs accepts, days.
RETENTION_DAYS_ALLOWED: Final = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)  # AWS WAF's own lower bound, requests per evaluation window


_E = TypeVar("_E", bound=StrEnum)


class AuroraMode(StrEnum):
    SERVERLESS = "serverless"
    PROVISIONED = "provisioned"


class Role(StrEnum):
    """Which part a regional stack plays when ``dr_region`` is set."""

    PRIMARY = "primary"
    SECONDARY = "secondary"


class SettingError(ValueError):
    """A context flag has a value this app cannot use."""


@dataclass(frozen=True)
class Settings:
    name: str = "qrpay"
    account: str | None = None
    region: str = REGION_DEFAULT
    domain_name: str | None = None
    hosted_zone_id: str | None = None
    hosted_zone_name: str | None = None
    allowed_cidrs: tuple[str, ...] = ()
    aurora_mode: AuroraMode = AuroraMode.SERVERLESS
    use_cloudhsm: bool = False
    use_opensearch: bool = False
    dr_region: str | None = None
    image: str | None = None
    ecr_repository: str | None = None
    image_tag: str = "latest"
    api_desired_count: int = 2
    worker_desired_count: int = 1
    deletion_protection: bool = False
    alarm_email: str | None = None
    log_retention_days: int = 90
    waf_rate_limit: int = 2000

    @property
    def zone_name(self) -> str | None:
        return self.hosted_zone_name or self.domain_name

    @property
    def api_origin_name(self) -> str | None:
        """Host name CloudFront uses for the API origin (a failover record with DR)."""
        return f"api-origin.{self.domain_name}" if self.domain_name else None

    @property
    def public_url(self) -> str | None:
        return f"https://{self.domain_name}" if self.domain_name else None


def from_context(node: Node, environ: dict[str, str] | None = None) -> Settings:
    """Read every flag from the CDK context; ``environ`` supplies the default account/region."""
    env = environ or {}
    get = node.try_get_context
    settings = Settings(
        name=_text(get("name")) or "qrpay",
        account=_text(get("account")) or env.get("CDK_DEFAULT_ACCOUNT"),
        region=_text(get("region")) or env.get("CDK_DEFAULT_REGION") or REGION_DEFAULT,
        domain_name=_text(get("domain_name")),
        hosted_zone_id=_text(get("hosted_zone_id")),
        hosted_zone_name=_text(get("hosted_zone_name")),
        allowed_cidrs=_cidrs(get("allowed_cidrs")),
        aurora_mode=_choice("aurora_mode", get("aurora_mode"), AuroraMode, AuroraMode.SERVERLESS),
        use_cloudhsm=_flag("use_cloudhsm", get("use_cloudhsm")),
        use_opensearch=_flag("use_opensearch", get("use_opensearch")),
        dr_region=_text(get("dr_region")),
        image=_text(get("image")),
        ecr_repository=_text(get("ecr_repository")),
        image_tag=_text(get("image_tag")) or "latest",
        api_desired_count=_count(
            "api_desired_count", get("api_desired_count"), 2, high=DESIRED_COUNT_MAX
        ),
        worker_desired_count=_count(
            "worker_desired_count", get("worker_desired_count"), 1, high=DESIRED_COUNT_MAX
        ),
        deletion_protection=_flag("deletion_protection", get("deletion_protection")),
        alarm_email=_text(get("alarm_email")),
        log_retention_days=_count("log_retention_days", get("log_retention_days"), 90),
        waf_rate_limit=_count("waf_rate_limit", get("waf_rate_limit"), 2000),
    )
    _check(settings)
    return settings


def _check(settings: Settings) -> None:
    if (settings.domain_name is None) != (settings.hosted_zone_id is None):
        raise SettingError("domain_name and hosted_zone_id go together: give both or neither")
    if settings.dr_region is not None:
        if settings.domain_name is None:
            raise SettingError("dr_region needs domain_name and hosted_zone_id (Route 53 failover)")
        if settings.dr_region == settings.region:
            raise SettingError("dr_region must differ from region")
    if settings.image is not None and settings.ecr_repository is not None:
        raise SettingError("give image or ecr_repository, not both")
    if settings.waf_rate_limit < WAF_RATE_LIMIT_MIN:
        raise SettingError(f"waf_rate_limit must be at least {WAF_RATE_LIMIT_MIN}")
    if settings.log_retention_days not in RETENTION_DAYS_ALLOWED:
        raise SettingError(f"log_retention_days must be one of {RETENTION_DAYS_ALLOWED}")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _flag(name: str, value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no", ""):
        return False
    raise SettingError(f"{name} must be true or false, not {value!r}")


def _count(name: str, value: Any, default: int, *, high: int = 2**31 - 1) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise SettingError(f"{name} must be an integer, not {value!r}") from exc
    if not 0 <= number <= high:
        raise SettingError(f"{name} must be between 0 and {high}")
    return number


def _choice(name: str, value: Any, enum: type[_E], default: _E) -> _E:
    if value is None or value == "":
        return default
    try:
        return enum(str(value).strip().lower())
    except ValueError as exc:
        allowed = " | ".join(member.value for member in enum)
        raise SettingError(f"{name} must be one of {allowed}, not {value!r}") from exc


def _cidrs(value: Any) -> tuple[str, ...]:
    """A list, a JSON list or a comma-separated string of IPv4/IPv6 CIDR blocks."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        text = value.strip()
        items = json.loads(text) if text.startswith("[") else text.split(",")
    else:
        items = list(value)
    cidrs = []
    for item in items:
        try:
            network = ipaddress.ip_network(str(item).strip(), strict=True)
        except ValueError as exc:
            raise SettingError(f"allowed_cidrs: {item!r} is not a CIDR block") from exc
        cidrs.append(str(network))
    return tuple(cidrs)
