"""Routers of /api/v1, in the order they appear in the OpenAPI document."""

from __future__ import annotations

from fastapi import APIRouter

from linkstar.api.routers import addresses, order_files, orders, rating, workspace

ROUTERS: list[APIRouter] = [
    *workspace.ROUTERS,
    rating.router,
    addresses.router,
    orders.router,
    order_files.router,
]
from linkstar.api.routers import rating, tracking, workspace

ROUTERS: list[APIRouter] = [*workspace.ROUTERS, rating.router, tracking.router]
from linkstar.api.routers import inventory, rating, workspace

ROUTERS: list[APIRouter] = [*workspace.ROUTERS, rating.router, inventory.router]
from linkstar.api.routers import carrier_routing, rating, workspace

ROUTERS: list[APIRouter] = [*workspace.ROUTERS, rating.router, carrier_routing.router]
