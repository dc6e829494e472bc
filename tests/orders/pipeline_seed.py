"""A workspace ready for the fulfilment pipeline: warehouses, a SKU with stock in Ontario (CA),
a store mapping the Amazon SKU to it, and the example WestCoast rate card."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from linkstar.db.outbox import OutboxJob
from linkstar.db.uow import unit_of_work
from linkstar.inventory import service as inventory
from linkstar.inventory.models import Allocation, StockLevel
from linkstar.inventory.schemas import ReceiptCreate, SkuCreate
from linkstar.orders import service, setup
from linkstar.orders.core.codec import order_to_json
from linkstar.orders.models import Order, OrderEvent
from linkstar.rating import service as cards
from linkstar.rating.sheets import read_folder
from linkstar.workspace.core import Principal
from tests.inventory.seed import add_warehouses
from tests.orders.conftest import make_order
from tests.rating.importing import EXAMPLE

MUG = "HP-85123A"


@dataclass
class Flow:
    actor: Principal
    store_id: str
    warehouses: dict[str, str]


def prepare(sessions: sessionmaker[Session], actor: Principal, store_id: str, stock: int) -> Flow:
    warehouses = add_warehouses(sessions, actor)
    with unit_of_work(sessions) as s:
        inventory.create_sku(
            s,
            actor,
            SkuCreate(sku=MUG, name="Red enamel mug", weight_g=350, length_mm=120,
                      width_mm=100, height_mm=90, is_fragile=True),
        )  # fmt: skip
        inventory.receive(s, actor, ReceiptCreate(sku=MUG, warehouse="US-CA-ONT", quantity=stock))
        setup.put_mapping(s, actor, channel_sku="AMZ-MUG-RED", master_sku=MUG, store_id=store_id)
        cards.import_workbook(s, actor, read_folder(EXAMPLE))
    return Flow(actor, store_id, warehouses)


def import_orders(sessions: sessionmaker[Session], flow: Flow, *orders: Any) -> list[str]:
    with unit_of_work(sessions) as s:
        report = service.import_items(
            s, flow.actor, flow.store_id, [order_to_json(o) for o in orders], "api"
        )
    assert report.errors == []
    return report.order_ids


def order(sessions: sessionmaker[Session], order_id: str) -> Order:
    with sessions() as s:
        row = s.get(Order, order_id)
        assert row is not None
        s.expunge(row)
        return row


def events(sessions: sessionmaker[Session], order_id: str) -> list[tuple[str, dict[str, Any]]]:
    with sessions() as s:
        stmt = select(OrderEvent).where(OrderEvent.order_id == order_id)
        return [(e.kind, e.detail) for e in s.scalars(stmt.order_by(OrderEvent.at, OrderEvent.id))]


def kinds(sessions: sessionmaker[Session], order_id: str) -> list[str]:
    return [k for k, _ in events(sessions, order_id)]


def reserved(sessions: sessionmaker[Session]) -> dict[str, int]:
    """Units reserved per order."""
    with sessions() as s:
        out: dict[str, int] = {}
        for row in s.scalars(select(Allocation).where(Allocation.state == "reserved")):
            out[row.order_ref] = out.get(row.order_ref, 0) + row.quantity
        return out


def allocated_units(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.sum(StockLevel.allocated))) or 0)


def jobs(sessions: sessionmaker[Session], name: str) -> list[OutboxJob]:
    with sessions() as s:
        rows = list(s.scalars(select(OutboxJob).where(OutboxJob.name == name)))
        for row in rows:
            s.expunge(row)
        return rows


__all__ = ["MUG", "Flow", "make_order"]
