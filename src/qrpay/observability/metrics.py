"""Prometheus metrics. With several server workers, set ``PROMETHEUS_MULTIPROC_DIR``
(``qrpay serve`` does) and every worker's samples are aggregated at ``/metrics``."""

from __future__ import annotations

import os
from typing import Final

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
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


def exposition() -> tuple[bytes, str]:
    """The text format for ``/metrics``, aggregated across workers when configured."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
