"""Prometheus metrics. With several server workers, set ``PROMETHEUS_MULTIPROC_DIR``
(``qrpay serve`` does) and every worker's samples are aggregated at ``/metrics``."""

from __future__ import annotations

import os
from typing import Final

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS: Final = Counter(
    "qrpay_http_requests_total",
    "HTTP requests by route, method and status",
    ["route", "method", "status"],
)
LATENCY: Final = Histogram(
    "qrpay_http_request_duration_seconds",
    "HTTP request latency by route",
    ["route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
PAYMENTS: Final = Counter(
    "qrpay_payments_total", "Payments by final status and source", ["status", "source"]
)
# Read from the database when /metrics is scraped (every instance shows the same number,
# hence "max" across server workers); the deployment alarms on it.
WEBHOOK_BACKLOG: Final = Gauge(
    "qrpay_webhook_backlog",
    "Webhook deliveries waiting (pending), read from the database",
    multiprocess_mode="max",
)
WEBHOOK_ATTEMPTS: Final = Counter(
    "qrpay_webhook_attempts_total",
    "Webhook HTTP attempts by outcome (2xx, 4xx, no_answer)",
    ["outcome"],
)
WEBHOOK_DELIVERIES: Final = Counter(
    "qrpay_webhook_deliveries_total",
    "Webhook deliveries ended, by status (succeeded, dead)",
    ["status"],
)
EVENTS_PUBLISHED: Final = Counter("qrpay_events_published_total", "Events the relay published")


def exposition() -> tuple[bytes, str]:
    """The text format for ``/metrics``, aggregated across workers when configured."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
