"""Routers of /api/v1, in the order they appear in the OpenAPI document."""

from __future__ import annotations

from fastapi import APIRouter

from linkstar.api.routers import carrier_routing, rating, workspace

ROUTERS: list[APIRouter] = [*workspace.ROUTERS, rating.router, carrier_routing.router]
