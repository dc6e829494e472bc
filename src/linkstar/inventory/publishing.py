"""Channel stock publishing: per store and SKU, the quantity to list, from the store's buffers.

The quantities per master SKU are computed here; orders.stock maps them to each store's
channel SKUs and pushes them through the channel connectors (inventory sits below orders).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from linkstar.inventory.core import Counters, StorePolicy, published_quantity
from linkstar.inventory.models import StoreStockPolicy
from linkstar.inventory.repository import SkuRepository, StockLevelRepository, StorePolicyRepository
from linkstar.inventory.schemas import StorePolicyRead, StorePolicySet
from linkstar.inventory.service import READ, WRITE
from linkstar.kit.pagination import Page
from linkstar.workspace import repository as wrepo
from linkstar.workspace.core import Principal


@dataclass(frozen=True)
class Listing:
    store_id: str
    sku: str
    available: int
    quantity: int


def set_policy(
    session: Session, actor: Principal, store_id: str, data: StorePolicySet
) -> StoreStockPolicy:
    """Create or replace a store's buffers (the store must be the organisation's)."""
    actor.require(WRITE)
    StorePolicy(data.max_listed, data.stop_selling_below, data.percent_of_available)
    wrepo.StoreRepository(session, actor.organisation_id).get(store_id)
    policies = StorePolicyRepository(session, actor.organisation_id)
    row = policies.find(store_id=store_id)
    values = data.model_dump()
    if row is None:
        return policies.add(StoreStockPolicy(store_id=store_id, **values))
    for key, value in values.items():
        setattr(row, key, value)
    session.flush()
    return row


def policies_page(
    session: Session, actor: Principal, limit: int, cursor: str | None
) -> Page[StoreStockPolicy]:
    actor.require(READ)
    return StorePolicyRepository(session, actor.organisation_id).page(limit, cursor)


def policy_of(session: Session, actor: Principal, store_id: str) -> StorePolicyRead:
    """The store's buffers, or the defaults (list everything) when none are set."""
    actor.require(READ)
    wrepo.StoreRepository(session, actor.organisation_id).get(store_id)
    row = StorePolicyRepository(session, actor.organisation_id).find(store_id=store_id)
    if row is None:
        return StorePolicyRead(id=None, store_id=store_id)
    return StorePolicyRead.model_validate(row)


def store_policy(session: Session, organisation_id: str, store_id: str) -> StorePolicy:
    """The store's buffers as the core sees them (list everything when none are set)."""
    row = StorePolicyRepository(session, organisation_id).find(store_id=store_id)
    if row is None:
        return StorePolicy()
    return StorePolicy(row.max_listed, row.stop_selling_below, row.percent_of_available)


def available_by_sku(session: Session, organisation_id: str) -> dict[str, int]:
    """Every active master SKU's code and its units available in all warehouses (0 included)."""
    totals: dict[str, int] = {}
    for level in StockLevelRepository(session, organisation_id).list():
        avail = Counters(level.on_hand, level.allocated).available(level.safety_stock)
        totals[level.sku_id] = totals.get(level.sku_id, 0) + avail
    skus = SkuRepository(session, organisation_id).list(is_active=True)
    return {s.sku: totals.get(s.id, 0) for s in skus}


def listings(session: Session, actor: Principal, store_id: str) -> list[Listing]:
    """What the store should list for every SKU: the available total through its buffers."""
    actor.require(READ)
    wrepo.StoreRepository(session, actor.organisation_id).get(store_id)
    policy = store_policy(session, actor.organisation_id, store_id)
    return [
        Listing(store_id, sku, units, published_quantity(units, policy))
        for sku, units in available_by_sku(session, actor.organisation_id).items()
    ]
