"""What every handler needs from outside the domain, injected once by ``bootstrap``."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from qrpay.connectors.base import Connector
from qrpay.domain.checkouts import GatewayTemplate
from qrpay.domain.ids import IdGenerator
from qrpay.domain.qr.profiles import ProfileRegistry
from qrpay.services.unit_of_work import UnitOfWorkFactory

TOKEN_BYTES = 24


def new_secret(prefix: str) -> str:
    """A credential: 192 random bits, URL-safe, with a prefix that says what it is."""
    return prefix + secrets.token_urlsafe(TOKEN_BYTES)


@dataclass(frozen=True)
class Context:
    uow: UnitOfWorkFactory
    now: Callable[[], datetime]
    ids: IdGenerator
    pepper: bytes
    """Key of the HMAC that stores credentials as hashes."""
    gateway: GatewayTemplate
    registry: ProfileRegistry
    connectors: dict[str, Connector]
    connector_by_network: dict[str, str]
    public_url: str
    """Base URL of the hosted pages, e.g. https://pay.example.com."""
    cpm_token_ttl_s: int = 60
    new_secret: Callable[[str], str] = new_secret
