"""Workspace routes (organisation, stores, warehouses, users, API keys, audit log, jobs)."""

from __future__ import annotations

from fastapi import APIRouter

from linkstar.api.routers import api_keys, audit, jobs, organisation, stores, users, warehouses

ROUTERS: list[APIRouter] = [
    organisation.router,
    stores.router,
    warehouses.router,
    users.router,
    api_keys.router,
    audit.router,
    jobs.router,
]
