"""One behaviour suite for every session store backend, plus Redis-only behaviour."""
