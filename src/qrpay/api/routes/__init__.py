"""One router per audience: operator, merchant, wallet, and the health endpoints."""
