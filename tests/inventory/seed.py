"""Warehouses, SKUs and stock for the inventory tests, created through the services."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from linkstar.db.uow import unit_of_work
from linkstar.inventory import service
from linkstar.inventory.models import Allocation, LedgerEntry, StockLevel
from linkstar.inventory.schemas import ReceiptCreate, SkuCreate
from linkstar.workspace import service as wservice
from linkstar.workspace.core import Principal, WarehouseKind
from linkstar.workspace.schemas import WarehouseCreate

SITES = {
    "US-CA-ONT": ("Ontario", "CA", "91761", "US", "America/Los_Angeles"),
    "US-NJ-EDI": ("Edison", "NJ", "08837", "US", "America/New_York"),
    "UK-NN-DAV": ("Daventry", "", "NN11 8PQ", "GB", "Europe/London"),
}


@dataclass
class Stocked:
    actor: Principal
    warehouses: dict[str, str]  # code → id


def add_warehouses(sessions: sessionmaker[Session], actor: Principal) -> dict[str, str]:
    ids = {}
    with unit_of_work(sessions) as s:
        for code, (city, state, postcode, country, tz) in SITES.items():
            data = WarehouseCreate(
                code=code,
                name=f"Warehouse {code}",
                kind=WarehouseKind.third_party,
                line1="1 Dock Road",
                city=city,
                state=state,
                postcode=postcode,
                country=country,
                timezone=tz,
            )
            ids[code] = wservice.create_warehouse(s, actor, data).id
    return ids


def add_skus(sessions: sessionmaker[Session], actor: Principal, *codes: str) -> None:
    with unit_of_work(sessions) as s:
        for code in codes:
            service.create_sku(s, actor, SkuCreate(sku=code, name=f"Product {code}", weight_g=500))


def receive(sessions, actor, sku: str, warehouse: str, qty: int) -> None:
    with unit_of_work(sessions) as s:
        service.receive(s, actor, ReceiptCreate(sku=sku, warehouse=warehouse, quantity=qty))


def counts(sessions) -> dict[str, int]:
    with sessions() as s:
        return {
            m.__tablename__: int(s.scalar(select(func.count()).select_from(m)) or 0)
            for m in (StockLevel, LedgerEntry, Allocation)
        }


def levels(sessions) -> dict[tuple[str, str], tuple[int, int]]:
    """(sku id, warehouse id) → (on_hand, allocated)."""
    with sessions() as s:
        return {
            (r.sku_id, r.warehouse_id): (r.on_hand, r.allocated)
            for r in s.scalars(select(StockLevel))
        }


def add_store(sessions, actor: Principal, name: str = "Amazon US") -> str:
    from cryptography.fernet import Fernet

    from linkstar.kit.crypto import SecretBox
    from linkstar.workspace.schemas import StoreCreate

    data = StoreCreate(
        name=name,
        channel="amazon",  # type: ignore[arg-type]
        region="US",
        currency="USD",
        credentials={"refresh_token": "Atzr|test-token"},
    )
    with unit_of_work(sessions) as s:
        return wservice.create_store(s, actor, data, SecretBox([Fernet.generate_key()])).id


def seed_for_isolation(
    sessions, actor: Principal, warehouse_code: str, store_id: str
) -> dict[str, str]:
    """A SKU with stock in `warehouse_code`, an inbound shipment and the store's buffers; the
    ids the tenant-isolation walk needs."""
    from datetime import UTC, datetime

    from linkstar.inventory import inbound, publishing
    from linkstar.inventory.schemas import InboundCreate, StorePolicySet

    add_skus(sessions, actor, "HP-85123A")
    receive(sessions, actor, "HP-85123A", warehouse_code, 10)
    data = InboundCreate.model_validate(
        {
            "reference": "PO-2026-001",
            "warehouse": warehouse_code,
            "legs": [
                {
                    "kind": "ocean",
                    "origin": "CNNGB",
                    "destination": "USNYC",
                    "departed_at": datetime(2026, 12, 1, tzinfo=UTC),
                },
                {"kind": "truck", "origin": "USNYC", "destination": warehouse_code},
            ],
            "lines": [{"sku": "HP-85123A", "quantity": 100}],
        }
    )
    with unit_of_work(sessions) as s:
        shipment = inbound.create(s, actor, data).id
        publishing.set_policy(s, actor, store_id, StorePolicySet(max_listed=50))
        sku = service.sku_by_code(s, actor, "HP-85123A").id
    return {
        "sku_id": sku,
        "inbound_id": shipment,
        "transfer_id": _transfer(sessions, actor, warehouse_code),
    }


def _transfer(sessions, actor: Principal, warehouse_code: str) -> str:
    """A transfer of 2 units to a second warehouse (ALT-1), dispatched and received, so the
    body-less POST .../dispatch answers 409 and changes nothing."""
    from linkstar.inventory import transfers
    from linkstar.inventory.schemas import TransferCreate, TransferLineIn

    with unit_of_work(sessions) as s:
        data = WarehouseCreate(
            code="ALT-1", name="Overflow", kind=WarehouseKind.third_party, line1="9 Yard Way",
            city="Edison", state="NJ", postcode="08817", country="US", timezone="America/New_York",
        )  # fmt: skip
        wservice.create_warehouse(s, actor, data)
        row = transfers.create(
            s,
            actor,
            TransferCreate(
                reference="TR-2026-001",
                from_warehouse=warehouse_code,
                to_warehouse="ALT-1",
                lines=[TransferLineIn(sku="HP-85123A", quantity=2)],
            ),
        )
        transfers.dispatch(s, actor, row.id)
        transfers.receive(s, actor, row.id)
        return row.id
