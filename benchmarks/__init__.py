"""Benchmarks: throughput scripts run by hand and in CI's smoke test, never timed in tests."""
