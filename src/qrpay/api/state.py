"""What the HTTP layer holds for the life of the app, reached through ``request.app.state``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request

from qrpay.api.rate_limit import RateLimits
from qrpay.services.back_office import BackOffice
from qrpay.services.checkout_status import StatusChannels
from qrpay.services.context import Context
from qrpay.services.payments import OneTimeTokens


@dataclass(frozen=True)
class Limits:
    request_body_bytes_max: int = 64 * 1024
    request_header_bytes_max: int = 16 * 1024
    json_depth_max: int = 32
    qr_payload_chars_max: int = 1024
    page_size_max: int = 100
    page_size_default: int = 20
    idempotency_ttl_s: int = 24 * 3600
    live_poll_s: float = 1.0
    """A checkout's event stream re-reads it this often, whatever the channel says."""
    live_heartbeat_s: float = 15.0
    live_stream_s_max: float = 300.0


@dataclass(frozen=True)
class ApiState:
    ctx: Context
    tokens: OneTimeTokens
    operator_key_hash: str
    """HMAC of the operator key under the credential pepper; never the key itself."""
    ready: Callable[[], Awaitable[None]]
    """Raises ``Unavailable`` when the database or the session store cannot be reached."""
    limits: Limits = Limits()
    rate_limits: RateLimits | None = None
    """None: no rate limiting (tests of other behaviour); bootstrap always sets it."""
    channels: StatusChannels | None = None
    """Live checkout status (the session store); None: event streams poll only."""
    back_office: BackOffice | None = None
    """Webhooks, settlement and reconciliation; bootstrap always sets it."""


def api_state(request: Request) -> ApiState:
    state: ApiState = request.app.state.api
    return state
