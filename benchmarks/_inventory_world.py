"""A seeded inventory world for the inventory benchmarks: one organisation, three warehouses
(CA, NJ, UK as in the demo), N master SKUs with stock, and random orders to US/GB postcodes."""

from __future__ import annotations

import random

import zipcodes
from sqlalchemy.orm import Session, sessionmaker

from linkstar.db.uow import unit_of_work
from linkstar.inventory import service
from linkstar.inventory.core import AllocationRequest, RequestLine
from linkstar.inventory.schemas import ReceiptCreate, SkuCreate
from linkstar.workspace import service as wservice
from linkstar.workspace.access import create_organisation
from linkstar.workspace.core import Principal, WarehouseKind, system_principal
from linkstar.workspace.schemas import WarehouseCreate

SITES = (
    ("US-CA-ONT", "Ontario", "CA", "91761", "US", "America/Los_Angeles"),
    ("US-NJ-EDI", "Edison", "NJ", "08837", "US", "America/New_York"),
    ("UK-NN-DAV", "Daventry", "", "NN11 8PQ", "GB", "Europe/London"),
)
GB_POSTCODES = ("SW1A 1AA", "M1 1AE", "EH1 1YZ", "B1 1AA", "LS1 4AP", "BS1 4DJ", "G1 1XQ")


def build(
    sessions: sessionmaker[Session], skus: int, units: int, name: str = "Bench Co"
) -> tuple[Principal, dict[str, str]]:
    """Create the organisation, warehouses and SKUs, with `units` of each SKU per warehouse."""
    with unit_of_work(sessions) as s:
        org, _ = create_organisation(
            s, name, f"owner@{name.lower().replace(' ', '-')}.example", "Bench-Pass-123"
        )
    actor = system_principal(org.id, "bench")
    wh = {}
    with unit_of_work(sessions) as s:
        for code, city, state, postcode, country, tz in SITES:
            data = WarehouseCreate(
                code=code,
                name=code,
                kind=WarehouseKind.third_party,
                line1="1 Dock Road",
                city=city,
                state=state,
                postcode=postcode,
                country=country,
                timezone=tz,
            )
            wh[code] = wservice.create_warehouse(s, actor, data).id
        for i in range(skus):
            service.create_sku(s, actor, SkuCreate(sku=f"B-{i:04d}", name=f"Bench {i}"))
    with unit_of_work(sessions) as s:
        for i in range(skus):
            for code in wh:
                service.receive(
                    s, actor, ReceiptCreate(sku=f"B-{i:04d}", warehouse=code, quantity=units)
                )
    return actor, wh


def orders(n: int, skus: int, seed: int = 7, prefix: str = "O") -> list[AllocationRequest]:
    """`n` orders of 1-3 lines, 85 % to random US ZIPs, 15 % to GB postcodes."""
    rng = random.Random(seed)
    us = [z["zip_code"] for z in zipcodes.list_all() if z["zip_code_type"] == "STANDARD"]
    out = []
    for i in range(n):
        gb = rng.random() < 0.15
        lines = tuple(
            RequestLine(f"B-{rng.randrange(skus):04d}", rng.choice((1, 1, 1, 2, 3)), f"{i}-{j}")
            for j in range(rng.choice((1, 1, 2, 3)))
        )
        out.append(
            AllocationRequest(
                f"{prefix}{i}",
                "GB" if gb else "US",
                rng.choice(GB_POSTCODES) if gb else rng.choice(us),
                lines,
                allow_split=rng.random() < 0.8,
            )
        )
    return out
