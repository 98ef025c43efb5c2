"""Alembic migrations of the audit store, shipped in the package and run by nocdeck itself."""
