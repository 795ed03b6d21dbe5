"""Structured JSON logs, one object per line, with the request and payment ids bound.

Everything logs through structlog; ids are bound as context variables (``bind``) by the HTTP
middleware and the payment handlers, so every line of a request carries them. Secrets and
card numbers are never passed to a log call; ``redact`` is a last line of defence that
masks anything shaped like a card number (passing its check digit) or a credential that
slipped into a value, at any depth, and blanks fields named like secrets.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, Final, TextIO

import structlog

from qrpay.domain.cards import luhn_valid, mask

# Digit runs of card-number length, single spaces or hyphens allowed between digits.
_DIGITS_RE: Final = re.compile(r"(?<![\d])\d(?:[ -]?\d){11,18}(?![\d])")
_SECRET_RE: Final = re.compile(r"\b(sk_|wt_|op_)[A-Za-z0-9_\-]{8,}")
_BEARER_RE: Final = re.compile(r"(?i)\b(bearer)\s+[^\s\"',;]+")
SENSITIVE_KEYS: Final = frozenset(
    {
        "authorization",
        "password",
        "secret",
        "pin",
        "pan",
        "card_number",
        "cvv",
        "cvc",
        "pepper",
        "master_key",
        "api_key",
        "operator_key",
        "private_key",
    }
)
"""Fields whose value is never logged, by name or as a ``_suffix`` (``webhook_secret``)."""
REDACTED: Final = "[redacted]"
REDACT_VALUES_MAX: Final = 10_000
"""Nested values walked per event; past that the rest is dropped rather than left unread."""


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    # Only a number that passes the check digit is a card number: ids and timestamps stay.
    if not luhn_valid(digits):
        return match.group()
    return mask(digits)


def _redact_text(text: str) -> str:
    text = _DIGITS_RE.sub(_mask_card, text)
    text = _BEARER_RE.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    return _SECRET_RE.sub(lambda m: f"{m.group(1)}{REDACTED}", text)


def _is_sensitive(key: object) -> bool:
    name = str(key).lower()
    return name in SENSITIVE_KEYS or any(name.endswith("_" + k) for k in SENSITIVE_KEYS)


def _redact_leaf(value: Any) -> Any:
    if isinstance(value, str):
        return _redact_text(value)
    if isinstance(value, bool | float) or value is None:
        return value
    if isinstance(value, int):
        text = _redact_text(str(value))
        return value if text == str(value) else text
    if isinstance(value, bytes | bytearray):
        return _redact_text(bytes(value).decode("latin-1"))
    return _redact_text(repr(value))  # rendered as text anyway: redact what it says


def redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Mask card numbers and credentials anywhere in the event, nested values included.

    An explicit stack walks dicts, lists and tuples (no recursion); sensitive field names
    lose their value whatever it looks like.
    """
    stack: list[Any] = [event]
    walked = 0
    while stack:
        container = stack.pop()
        items = container.items() if isinstance(container, MutableMapping) else enumerate(container)
        for key, value in list(items):
            walked += 1
            named_secret = isinstance(container, MutableMapping) and _is_sensitive(key)
            if walked > REDACT_VALUES_MAX or named_secret:
                container[key] = REDACTED
            elif isinstance(value, dict | list | tuple):
                copied = dict(value) if isinstance(value, dict) else list(value)
                container[key] = copied  # a copy: the caller's own objects stay as they were
                stack.append(copied)
            else:
                container[key] = _redact_leaf(value)
    return event


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is at the time of the call, not when configured:
    a command run under a test harness must not keep writing to a closed capture."""

    def msg(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    log = debug = info = warning = warn = error = err = critical = fatal = exception = msg


def _current_stderr(*_: Any) -> _CurrentStderr:
    return _CurrentStderr()


def configure(
    level: str = "INFO", *, json: bool = True, file: TextIO | None = None, cache: bool = True
) -> None:
    """Log to ``file`` (stderr). ``cache=False`` for short commands and tests, which may
    configure more than once: a logger cached on first use keeps the configuration it saw."""
    out = file or sys.stderr
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(colors=out.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redact,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=_current_stderr if file is None else structlog.WriteLoggerFactory(file=out),
        cache_logger_on_first_use=cache,
    )


def bind(**values: str) -> None:
    structlog.contextvars.bind_contextvars(**values)


log = structlog.get_logger("qrpay")
