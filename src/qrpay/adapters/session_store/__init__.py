"""Session store: checkout sessions, one-time tokens and live-status channels with TTLs.

``base.SessionStore`` is the port; ``memory`` is the in-process default (embedded mode).
"""

from qrpay.adapters.session_store.base import SessionStore, Subscription
from qrpay.adapters.session_store.limits import SessionLimits

__all__ = ["SessionLimits", "SessionStore", "Subscription"]
