"""Logs and metrics: structured JSON logs, Prometheus metrics."""
