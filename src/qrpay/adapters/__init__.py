"""Adapters: qrpay's edges to libraries and the outside world, behind small interfaces.

``clock`` tells the time; ``session_store`` keeps short-lived sessions, one-time tokens and
live-status channels (in-process by default, Redis in production).
"""
