"""Tests that run against real backends: Redis, databases, sockets."""
