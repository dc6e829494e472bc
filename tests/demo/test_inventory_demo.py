"""The demo workspace's stock: the 60 catalogue SKUs in three warehouses, two ocean inbounds."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from linkstar.config import Settings
from linkstar.db.uow import unit_of_work
from linkstar.demo import inventory as demo_inventory
from linkstar.demo import workspace as demo
from linkstar.demo.catalogue import UCI_FILE
from linkstar.inventory import inbound, service, transfers
from linkstar.inventory.models import LedgerEntry, Sku
from linkstar.inventory.reconcile import reconcile
from linkstar.kit.crypto import SecretBox
from linkstar.workspace.core import system_principal

DATA_DIR = Settings().reference_data_dir
pytestmark = pytest.mark.skipif(
    not (DATA_DIR / UCI_FILE).is_file(), reason=f"reference data absent: {DATA_DIR / UCI_FILE}"
)


def _load(sessions, settings):
    with unit_of_work(sessions) as s:
        return demo.load(s, SecretBox(settings.encryption_keys()), DATA_DIR).organisation.id


def test_demo_stock_is_realistic_consistent_and_idempotent(sessions, settings):
    start = time.process_time()  # CPU: the suite shares the machine
    org = _load(sessions, settings)
    actor = system_principal(org)
    with sessions() as s:
        skus = s.scalars(select(Sku)).all()
        assert len(skus) == 60 and all(x.sku.startswith("HP-") for x in skus)
        cakestand = next(x for x in skus if x.sku == "HP-22423")
        assert (cakestand.name, cakestand.hs_code, cakestand.is_fragile) == (
            "Regency Cakestand 3 Tier", "6912.00", True,
        )  # fmt: skip
        table = service.stock_table(s, actor)
        assert {r.warehouse_code for r in table} == {"US-CA-ONT", "US-NJ-EDI", "UK-NN-DAV"}
        assert sum(r.on_hand for r in table) > 10_000
        assert any(r.on_hand == 0 for r in table)  # some SKUs are out somewhere
        assert all(
            r.available == max(0, r.on_hand - r.allocated - r.safety_stock)
            for r in table
            if r.on_hand
        )
        assert sum(r.allocated for r in table) > 0  # the demo orders' pipeline reserved stock
        shipments = [inbound.read(s, actor, x) for x in inbound.page(s, actor, 10, None).items]
        assert sorted(x.reference for x in shipments) == ["PO-HP-2611", "PO-HP-2614"]
        ocean = next(x for x in shipments if x.reference == "PO-HP-2611")
        assert [leg.kind for leg in ocean.legs] == ["factory", "consolidation", "ocean", "truck"]
        moving = [transfers.read(s, actor, x) for x in transfers.page(s, actor, 10, None).items]
        assert sorted((x.reference, x.status.value) for x in moving) == [
            ("TR-HP-1203", "in_transit"),
            ("TR-HP-1210", "draft"),
        ]
        in_transit = sum(line.outstanding for x in moving if x.dispatched_at for line in x.lines)
        assert in_transit > 0
        assert sum(r.inbound for r in table) == in_transit + sum(
            line.quantity for x in shipments for line in x.lines
        )
        assert reconcile(s, org).drifts == []
        entries = s.scalar(select(func.count()).select_from(LedgerEntry))
    assert time.process_time() - start < 40  # the whole demo with the pipeline
    with unit_of_work(sessions) as s:  # a second load changes nothing
        assert demo_inventory.load_inventory(s, actor, DATA_DIR) == 0
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(LedgerEntry)) == entries


def test_same_stock_every_time(sessions, settings):
    org = _load(sessions, settings)
    with sessions() as s:
        first = [
            (r.sku, r.warehouse_code, r.on_hand)
            for r in service.stock_table(s, system_principal(org))
        ]
    with unit_of_work(sessions) as s:
        demo.reset(s)
    org = _load(sessions, settings)
    with sessions() as s:
        again = [
            (r.sku, r.warehouse_code, r.on_hand)
            for r in service.stock_table(s, system_principal(org))
        ]
    assert first == again


def test_demo_publication_log_is_a_labelled_dry_run(sessions, settings):
    from linkstar.orders.stock import service as stock
    from linkstar.orders.stock.models import PublishedStock, StockPublishLine, StockPublishRun
    from linkstar.workspace.models import Store

    org = _load(sessions, settings)
    with sessions() as s:
        stores = s.scalars(select(Store).where(Store.organisation_id == org)).all()
        runs = s.scalars(select(StockPublishRun)).all()
        assert sorted(r.store_id for r in runs) == sorted(x.id for x in stores)
        assert {(r.trigger, r.dry_run, r.status, r.requests) for r in runs} == {
            ("demo", True, "dry_run", 0)
        }
        statuses = set(s.scalars(select(StockPublishLine.status)))
        assert statuses == {"dry_run"}  # nothing was sent: no store has real credentials
        # One line per channel SKU: the 60 SKUs, plus the demo's mapped channel SKUs and bundles.
        expected = sum(len(stock.store_listings(s, org, x)) for x in stores)
        assert expected > 60 * len(stores)
        assert s.scalar(select(func.count()).select_from(StockPublishLine)) == expected
        assert s.scalar(select(func.count()).select_from(PublishedStock)) == 0
