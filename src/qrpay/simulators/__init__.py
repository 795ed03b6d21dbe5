"""Network simulators: each runs as its own process on a real socket (``qrpay sim ...``)."""
