"""Adapters: qrpay's edges to libraries and the outside world, behind small interfaces.

``clock`` tells the time.
"""
