"""Fakes for tests: small, honest stand-ins for the adapters' ports."""
