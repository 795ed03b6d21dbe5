"""How the instant network simulator behaves: latency, decline rules and faults.

Everything here is settable by flags at start and by ``POST /control/faults`` while it runs.
Randomness comes from one seeded ``random.Random``, so a run can be replayed (it is a test
double, not a source of secrets). Latencies are milliseconds; no money passes through here.

Faults, decided per message after the network has decided and booked it:

- ``drop``: the answer is never sent; the connection stays open until the client gives up.
- ``late``: the answer is sent after ``late_ms`` (longer than a client's timeout).
- ``close``: the connection is closed without an answer.
- ``garbage``: the answer is ``200 OK`` with bytes that are not a pacs.002.

One-shot faults (``next``) apply, in order, to the next messages of their type (pacs.008 by
default) before any rate is drawn.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from typing import Any, Final

from qrpay.connectors.iso20022.documents import MessageType

LATE_MS_DEFAULT: Final = 3_000
LATENCY_MS_MAX: Final = 60_000
ONE_SHOT_FAULTS_MAX: Final = 100
DEFAULT_DECLINES: Final = {"01": "AC01", "04": "AM04", "91": "AB05"}
"""Amount endings (in minor units) and the reason they are rejected with: ...01 incorrect
account (hard), ...04 insufficient funds (soft), ...91 timeout at the creditor agent (soft)."""


class Fault(StrEnum):
    DROP = "drop"
    LATE = "late"
    CLOSE = "close"
    GARBAGE = "garbage"


class SettingInvalid(ValueError):
    """A flag or control request the simulator cannot use; answered with HTTP 400."""


@dataclass(frozen=True, slots=True)
class Latency:
    """A latency distribution in milliseconds: ``fixed:MS``, ``uniform:LO:HI``,
    ``normal:MEAN:SD`` (clipped at zero) or ``exponential:MEAN``."""

    kind: str
    params: tuple[int, ...]

    @classmethod
    def parse(cls, text: str) -> Latency:
        kind, *rest = text.split(":")
        arity = {"fixed": 1, "uniform": 2, "normal": 2, "exponential": 1}
        if kind not in arity or len(rest) != arity[kind]:
            raise SettingInvalid(f"latency {text!r}: expected one of {sorted(arity)} with values")
        if not all(p.isdigit() and int(p) <= LATENCY_MS_MAX for p in rest):
            raise SettingInvalid(f"latency {text!r}: milliseconds 0 to {LATENCY_MS_MAX}")
        params = tuple(int(p) for p in rest)
        if kind == "uniform" and params[0] > params[1]:
            raise SettingInvalid(f"latency {text!r}: low above high")
        return cls(kind, params)

    def sample_ms(self, rng: random.Random) -> float:
        p = self.params
        if self.kind == "fixed":
            value = float(p[0])
        elif self.kind == "uniform":
            value = rng.uniform(p[0], p[1])
        elif self.kind == "normal":
            value = rng.gauss(p[0], p[1])
        else:
            value = rng.expovariate(1 / p[0]) if p[0] else 0.0
        return min(max(value, 0.0), float(LATENCY_MS_MAX))

    def __str__(self) -> str:
        return ":".join([self.kind, *map(str, self.params)])


def parse_declines(pairs: list[str]) -> dict[str, str]:
    """``["01=AC01", "99=AM04"]``: amount endings and reason codes; ``["none"]`` for none."""
    if pairs == ["none"]:
        return {}
    rules: dict[str, str] = {}
    for pair in pairs:
        ending, _, code = pair.partition("=")
        if not (ending.isdigit() and 0 < len(code) <= 4 and code.isalnum()):
            raise SettingInvalid(f"decline rule {pair!r}: expected DIGITS=CODE, e.g. 01=AC01")
        rules[ending] = code.upper()
    return rules


def _rate(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise SettingInvalid(f"{name} must be a number from 0 to 1")
    return float(value)


@dataclass
class Behaviour:
    """The simulator's current settings; changed in place by the control endpoint."""

    latency: Latency = field(default_factory=lambda: Latency("fixed", (0,)))
    declines: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_DECLINES))
    decline_rate: float = 0.0
    decline_rate_code: str = "MS03"
    rates: dict[Fault, float] = field(default_factory=lambda: dict.fromkeys(Fault, 0.0))
    late_ms: int = LATE_MS_DEFAULT
    next_faults: deque[tuple[Fault, MessageType]] = field(default_factory=deque)
    rng: random.Random = field(default_factory=random.Random)

    def decline_code(self, amount_minor: int) -> str | None:
        """The reason to reject an amount with, by its ending or by the decline rate."""
        digits = str(amount_minor)
        for ending, code in sorted(self.declines.items(), key=lambda r: -len(r[0])):
            if digits.endswith(ending):
                return code
        if self.decline_rate and self.rng.random() < self.decline_rate:
            return self.decline_rate_code
        return None

    def fault_for(self, message: MessageType) -> Fault | None:
        for index, (fault, target) in enumerate(self.next_faults):
            if target is message:
                del self.next_faults[index]
                return fault
        draw = self.rng.random()
        for fault, rate in self.rates.items():
            if draw < rate:
                return fault
            draw -= rate
        return None

    def update(self, settings: dict[str, Any]) -> None:
        """Apply a control request; an unknown or bad key changes nothing."""
        staged = replace(
            self,
            declines=dict(self.declines),
            rates=dict(self.rates),
            next_faults=deque(self.next_faults),
        )
        for key, value in settings.items():
            _apply(staged, key, value)
        if sum(staged.rates.values()) > 1:
            raise SettingInvalid("fault rates add up to more than 1")
        for name in (f.name for f in fields(self)):
            setattr(self, name, getattr(staged, name))

    def to_dict(self) -> dict[str, Any]:
        return {
            "latency": str(self.latency),
            "declines": self.declines,
            "decline_rate": self.decline_rate,
            "decline_rate_code": self.decline_rate_code,
            **{f"{fault.value}_rate": rate for fault, rate in self.rates.items()},
            "late_ms": self.late_ms,
            "next": [{"fault": f.value, "message": m.value} for f, m in self.next_faults],
        }


def _apply(staged: Behaviour, key: str, value: Any) -> None:
    if key == "latency":
        staged.latency = Latency.parse(str(value))
    elif key == "declines":
        if not isinstance(value, dict):
            raise SettingInvalid("declines is an object of amount endings to reason codes")
        staged.declines = parse_declines([f"{k}={v}" for k, v in value.items()])
    elif key == "decline_rate":
        staged.decline_rate = _rate(key, value)
    elif key == "late_ms":
        if not isinstance(value, int) or not 0 <= value <= LATENCY_MS_MAX:
            raise SettingInvalid(f"late_ms must be 0 to {LATENCY_MS_MAX}")
        staged.late_ms = value
    elif key == "next":
        staged.next_faults.extend(parse_one_shots(value))
        if len(staged.next_faults) > ONE_SHOT_FAULTS_MAX:
            raise SettingInvalid(f"at most {ONE_SHOT_FAULTS_MAX} one-shot faults")
    elif key.endswith("_rate") and key[: -len("_rate")] in Fault.__members__.values():
        staged.rates[Fault(key[: -len("_rate")])] = _rate(key, value)
    else:
        raise SettingInvalid(f"unknown setting {key!r}")


def parse_one_shots(value: Any) -> list[tuple[Fault, MessageType]]:
    """``["late", {"fault": "garbage", "message": "pacs.028.001.04"}]``."""
    if not isinstance(value, list):
        raise SettingInvalid("next is a list of faults")
    found = []
    for item in value:
        spec = {"fault": item} if isinstance(item, str) else item
        if not isinstance(spec, dict):
            raise SettingInvalid(f"one-shot fault {item!r} is not a name or an object")
        try:
            fault = Fault(str(spec.get("fault")))
            message = MessageType(spec.get("message", MessageType.PACS_008.value))
        except ValueError as exc:
            raise SettingInvalid(f"one-shot fault {item!r}: {exc}") from exc
        found.append((fault, message))
    return found
