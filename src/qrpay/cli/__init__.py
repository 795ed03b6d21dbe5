"""The ``qrpay`` command line."""
