"""Session store: checkout sessions, one-time tokens and live-status channels with TTLs.

``base.SessionStore`` is the port; ``memory`` is the in-process default (embedded mode),
``redis`` the production store shared by every gateway instance. ``session_store_from_url``
picks one from ``QRPAY_REDIS_URL``.
"""

from qrpay.adapters.session_store.base import SessionStore, Subscription
from qrpay.adapters.session_store.factory import REDIS_URL_ENV, session_store_from_url
from qrpay.adapters.session_store.limits import SessionLimits

__all__ = [
    "REDIS_URL_ENV",
    "SessionLimits",
    "SessionStore",
    "Subscription",
    "session_store_from_url",
]
