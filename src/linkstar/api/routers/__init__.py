"""Routers of /api/v1, in the order they appear in the OpenAPI document."""

from __future__ import annotations

from fastapi import APIRouter

from linkstar.api.routers import (
    addresses,
    carrier_routing,
    inbox,
    inbox_approvals,
    inbox_automation,
    inbox_dead_letters,
    inbox_mail,
    inventory,
    order_files,
    order_setup,
    orders,
    rating,
    routing_optimise,
    routing_simulations,
    stock_publishing,
    store_consent,
    store_sync,
    tracking,
    tracking_carriers,
    tracking_outreach,
    transfers,
    webhook_endpoints,
    workspace,
)

ROUTERS: list[APIRouter] = [
    *workspace.ROUTERS,
    orders.router,
    order_setup.router,
    order_files.router,
    addresses.router,
    inventory.router,
    transfers.router,
    rating.router,
    carrier_routing.router,
    tracking.router,
    tracking_outreach.router,
    tracking_carriers.router,
    webhook_endpoints.router,
    inbox.router,
    inbox_approvals.router,
    inbox_automation.router,
    inbox_dead_letters.router,
    inbox_mail.router,
    routing_optimise.router,
    routing_simulations.router,
    store_sync.router,
    store_consent.router,
    stock_publishing.router,
]
