"""Organisations, users, roles, API keys, stores, warehouses, audit log and settings."""
