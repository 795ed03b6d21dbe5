"""Structured JSON logs, one object per line, with the request and payment ids bound.

Everything logs through structlog; ids are bound as context variables (``bind``) by the HTTP
middleware and the payment handlers, so every line of a request carries them. Secrets and
card numbers are never passed to a log call; ``redact`` is a last line of defence that
masks anything shaped like a card number or a credential that slipped into a value.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, Final, TextIO

import structlog

_CARD_RE: Final = re.compile(r"\b(\d{6})\d{3,9}(\d{4})\b")
_SECRET_RE: Final = re.compile(r"\b(sk_|wt_)[A-Za-z0-9_\-]{8,}")


def _redact_text(text: str) -> str:
    text = _CARD_RE.sub(lambda m: f"{m.group(1)}******{m.group(2)}", text)
    return _SECRET_RE.sub(lambda m: f"{m.group(1)}[redacted]", text)


def redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in event.items():
        if isinstance(value, str):
            event[key] = _redact_text(value)
    return event


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
        logger_factory=structlog.WriteLoggerFactory(file=out),
        cache_logger_on_first_use=cache,
    )


def bind(**values: str) -> None:
    structlog.contextvars.bind_contextvars(**values)


log = structlog.get_logger("qrpay")
