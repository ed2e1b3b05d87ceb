"""Persistence for tickets, plans, keys, the event log and the outbox (SQLAlchemy 2 + Alembic)."""
