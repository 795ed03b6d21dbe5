"""Alembic's environment and the revisions, written by hand (see ``../schema.py``)."""
