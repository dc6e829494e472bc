"""The platform ids of each store's channel SKUs, kept between runs (`stock_channel_ids`).

Shopify inventory items and TikTok Shop product/SKU ids are searched once, then read from here;
the connectors search again when the platform refuses a cached id, and whatever a run used is
written back (a SKU the platform no longer has is forgotten).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from linkstar.orders.connectors.stock import PlatformIds, Pushed
from linkstar.orders.core.stock import LineStatus
from linkstar.orders.stock.models import StockChannelId


def known_ids(session: Session, org_id: str, store_id: str) -> dict[str, PlatformIds]:
    """The store's cached ids by channel SKU."""
    rows = session.scalars(
        select(StockChannelId).where(
            StockChannelId.organisation_id == org_id, StockChannelId.store_id == store_id
        )
    )
    return {r.channel_sku: PlatformIds(r.item_id, r.product_id, r.warehouse_id) for r in rows}


def keep_ids(
    session: Session,
    org_id: str,
    store_id: str,
    answers: Iterable[Pushed],
    known: Mapping[str, PlatformIds],
    now: datetime,
) -> None:
    """Write back the ids the run used when they differ from the cache; drop vanished SKUs."""
    scope = (StockChannelId.organisation_id == org_id, StockChannelId.store_id == store_id)
    fresh: dict[str, PlatformIds] = {}
    gone: list[str] = []
    for answer in answers:
        sku, ids = answer.channel_sku, answer.ids
        if ids is not None and ids != known.get(sku):
            fresh[sku] = ids
        elif ids is None and answer.status is LineStatus.unmatched and sku in known:
            gone.append(sku)
    changed = [*gone, *(s for s in fresh if s in known)]
    if changed:
        session.execute(
            delete(StockChannelId).where(*scope, StockChannelId.channel_sku.in_(changed))
        )
    for sku, ids in fresh.items():
        session.add(
            StockChannelId(
                organisation_id=org_id,
                store_id=store_id,
                channel_sku=sku,
                item_id=ids.item_id,
                product_id=ids.product_id,
                warehouse_id=ids.warehouse_id,
                looked_up_at=now,
            )
        )
