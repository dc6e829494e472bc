"""Workspace routes (organisation, stores, warehouses, users, API keys, audit log, jobs)."""

from __future__ import annotations

from fastapi import APIRouter

ROUTERS: list[APIRouter] = []
