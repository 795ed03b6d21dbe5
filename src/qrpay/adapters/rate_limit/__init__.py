"""Rate limiting: token buckets behind one port (``base``), in-process (``memory``) by
default and in Redis (``redis``) when instances must share their counts."""
