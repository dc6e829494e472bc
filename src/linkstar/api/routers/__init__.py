"""Routers of /api/v1, in the order they appear in the OpenAPI document."""

from __future__ import annotations

from fastapi import APIRouter

from linkstar.api.routers import (
    addresses,
    carrier_routing,
    inbox,
    inbox_automation,
    inbox_mail,
    inventory,
    order_files,
    orders,
    rating,
    routing_optimise,
    store_sync,
    tracking,
    transfers,
    webhook_endpoints,
    workspace,
)

ROUTERS: list[APIRouter] = [
    *workspace.ROUTERS,
    orders.router,
    order_files.router,
    addresses.router,
    inventory.router,
    transfers.router,
    rating.router,
    carrier_routing.router,
    tracking.router,
    webhook_endpoints.router,
    inbox.router,
    inbox_automation.router,
    inbox_mail.router,
    routing_optimise.router,
    store_sync.router,
]
