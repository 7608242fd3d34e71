"""Alembic migrations for the store's own tables."""
