"""Adapters: qrpay's edges to libraries and the outside world, behind the ports it uses.

``db`` stores everything in SQLite or PostgreSQL; ``qr_image`` renders payloads to PNG and
SVG and reads QR codes out of images; ``clock`` tells the time; ``session_store`` keeps
short-lived sessions, one-time tokens and live-status channels (in-process by default,
Redis in production).
"""
