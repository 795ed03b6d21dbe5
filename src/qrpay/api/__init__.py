"""The HTTP API: FastAPI routes, authentication, idempotency and problem responses."""
