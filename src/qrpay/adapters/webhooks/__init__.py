"""Webhook delivery over HTTP: address checks at resolve and connect time, and the sender."""
