"""Alembic migrations of the server's database, applied automatically when the CLI or the app opens it."""
