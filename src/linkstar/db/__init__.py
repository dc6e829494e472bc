"""Persistence: declarative base, engine, unit of work, repository base, outbox, migrations."""
