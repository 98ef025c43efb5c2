"""The audit store: SQLAlchemy tables and repository, on SQLite or PostgreSQL."""
