"""Channel stock publishing: per store and SKU, the quantity to list, from the store's buffers.

The quantities are computed here; pushing them to a marketplace is the channel connector's
part (no connector exists yet, so the publish job only computes and logs what it would send).
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


def listings(session: Session, actor: Principal, store_id: str) -> list[Listing]:
    """What the store should list for every SKU: the available total through its buffers."""
    actor.require(READ)
    wrepo.StoreRepository(session, actor.organisation_id).get(store_id)
    row = StorePolicyRepository(session, actor.organisation_id).find(store_id=store_id)
    policy = (
        StorePolicy(row.max_listed, row.stop_selling_below, row.percent_of_available)
        if row
        else StorePolicy()
    )
    totals: dict[str, int] = {}
    for level in StockLevelRepository(session, actor.organisation_id).list():
        avail = Counters(level.on_hand, level.allocated).available(level.safety_stock)
        totals[level.sku_id] = totals.get(level.sku_id, 0) + avail
    skus = SkuRepository(session, actor.organisation_id).list(is_active=True)
    return [
        Listing(
            store_id, s.sku, totals.get(s.id, 0), published_quantity(totals.get(s.id, 0), policy)
        )
        for s in skus
    ]
