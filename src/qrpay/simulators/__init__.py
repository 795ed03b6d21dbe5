"""Network simulators: each runs as its own process on a real socket (``qrpay sim ...``).

They speak their network's protocol, check MACs or signatures, keep their own ledger of
what they decided, and take latency, decline rules and faults from flags or a control
endpoint, so the demo and the integration tests meet real sockets and real failures.
"""
