"""Console pages, one module per area; each exposes `router`."""

from __future__ import annotations

from fastapi import APIRouter

from linkstar.web.pages import (
    addresses,
    auth,
    inbox,
    inbox_automation,
    inventory,
    order_steps,
    orders,
    overview,
    routing,
    routing_optimise,
    settings_api_keys,
    settings_audit,
    settings_jobs,
    settings_mail,
    settings_org,
    settings_store_sync,
    settings_stores,
    settings_users,
    settings_warehouses,
    settings_webhooks,
    stock_moves,
    tracking,
    tracking_dead_letters,
)

ROUTERS: list[APIRouter] = [
    auth.router,
    overview.router,
    orders.router,
    inventory.router,
    routing.router,
    settings_org.router,
    settings_stores.router,
    settings_warehouses.router,
    settings_users.router,
    settings_api_keys.router,
    settings_webhooks.router,
    settings_audit.router,
    settings_jobs.router,
    addresses.router,
    tracking.router,
    tracking_dead_letters.router,
    inbox.router,
    inbox_automation.router,
    settings_mail.router,
    routing_optimise.router,
    settings_store_sync.router,
    order_steps.router,
    stock_moves.router,
]
