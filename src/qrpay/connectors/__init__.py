"""Connectors: one interface, one module per network."""
