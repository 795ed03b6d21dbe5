"""Adapters: qrpay's edges to libraries and the outside world, behind plain functions.

``qr_image`` renders payloads to PNG and SVG and reads QR codes out of images.
"""
