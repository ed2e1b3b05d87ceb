"""Alembic migration history for the whole database (dispatch and depots tables)."""
