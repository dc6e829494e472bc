"""SKUs, receipts, adjustments, the ledger, reconciliation, inbound shipments, store buffers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from linkstar.db.uow import unit_of_work
from linkstar.inventory import inbound, publishing, service
from linkstar.inventory.models import LedgerEntry, StockLevel
from linkstar.inventory.reconcile import reconcile
from linkstar.inventory.schemas import (
    AdjustmentCreate,
    InboundCreate,
    SkuCreate,
    StorePolicySet,
)
from linkstar.kit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from linkstar.workspace.core import Role, user_principal
from tests.inventory.seed import add_skus, add_store, add_warehouses, counts, receive


@pytest.fixture
def stocked(sessions, tenant):
    ids = add_warehouses(sessions, tenant.principal)
    add_skus(sessions, tenant.principal, "HP-85123A", "HP-22423")
    return tenant.principal, ids


def test_sku_codes_are_unique_per_organisation(sessions, stocked, make_tenant):
    actor, _ = stocked
    with pytest.raises(Conflict, match="HP-85123A already exists"), unit_of_work(sessions) as s:
        service.create_sku(s, actor, SkuCreate(sku="HP-85123A", name="Again"))
    other = make_tenant("Other Co").principal
    add_skus(sessions, other, "HP-85123A")  # another organisation may use the same code
    with sessions() as s:
        assert service.skus_page(s, actor, 10, None).items[0].sku == "HP-22423"


def test_receipt_and_adjustment_write_the_ledger(sessions, stocked):
    actor, _wh = stocked
    receive(sessions, actor, "HP-85123A", "US-NJ-EDI", 40)
    with unit_of_work(sessions) as s:
        data = AdjustmentCreate(
            sku="HP-85123A", warehouse="US-NJ-EDI", quantity=-3, reason="cycle count"
        )
        service.adjust(s, actor, data)
    with sessions() as s:
        [row] = service.stock_table(s, actor)
        assert (row.sku, row.warehouse_code, row.on_hand, row.allocated, row.available) == (
            "HP-85123A", "US-NJ-EDI", 37, 0, 37,
        )  # fmt: skip
        entries = service.ledger_page(s, actor, 10, None).items
        assert [(e.kind, e.on_hand_delta, e.note) for e in entries] == [
            ("adjustment", -3, "cycle count"),
            ("receipt", 40, ""),
        ]
        assert all(e.actor == actor.label for e in entries)


def test_an_adjustment_below_zero_is_refused_and_writes_nothing(sessions, stocked):
    actor, _wh = stocked
    receive(sessions, actor, "HP-85123A", "US-NJ-EDI", 5)
    before = counts(sessions)
    data = AdjustmentCreate(sku="HP-85123A", warehouse="US-NJ-EDI", quantity=-6, reason="x")
    with pytest.raises(InvalidInput, match="negative"), unit_of_work(sessions) as s:
        service.adjust(s, actor, data)
    assert counts(sessions) == before
    with sessions() as s:
        assert service.stock_table(s, actor)[0].on_hand == 5


@pytest.mark.parametrize(
    ("sku", "warehouse", "error"),
    [("HP-NOPE", "US-NJ-EDI", NotFound), ("HP-85123A", None, NotFound)],
)
def test_unknown_sku_or_warehouse(sessions, stocked, sku, warehouse, error):
    actor, _wh = stocked
    code = warehouse or "ZZ-NOPE"
    before = counts(sessions)
    with pytest.raises(error), unit_of_work(sessions) as s:
        service.adjust(s, actor, AdjustmentCreate(sku=sku, warehouse=code, quantity=1, reason="x"))
    assert counts(sessions) == before


def test_another_organisations_warehouse_is_not_found(sessions, stocked, make_tenant):
    actor, _ = stocked
    other = make_tenant("Other Co").principal
    from linkstar.workspace import service as wservice
    from linkstar.workspace.core import WarehouseKind
    from linkstar.workspace.schemas import WarehouseCreate

    with unit_of_work(sessions) as s:
        their = WarehouseCreate(
            code="OTHER-1", name="Theirs", kind=WarehouseKind.own, line1="1 Road",
            city="Reno", postcode="89501", country="US", timezone="America/Los_Angeles",
        )  # fmt: skip
        wservice.create_warehouse(s, other, their)
    with pytest.raises(NotFound), unit_of_work(sessions) as s:
        service.adjust(
            s, actor, AdjustmentCreate(sku="HP-85123A", warehouse="OTHER-1", quantity=1, reason="x")
        )


def test_viewers_cannot_move_stock(sessions, stocked, tenant):
    _, _wh = stocked
    viewer = user_principal(tenant.org.id, "u", "v@x.example", Role.viewer)
    with pytest.raises(PermissionDenied), unit_of_work(sessions) as s:
        service.adjust(
            s,
            viewer,
            AdjustmentCreate(sku="HP-85123A", warehouse="US-NJ-EDI", quantity=1, reason="x"),
        )


def test_reconciliation_finds_and_repairs_drift(sessions, stocked):
    actor, _wh = stocked
    receive(sessions, actor, "HP-85123A", "US-NJ-EDI", 10)
    receive(sessions, actor, "HP-22423", "US-CA-ONT", 4)
    with sessions() as s:
        assert reconcile(s, actor.organisation_id).drifts == []
    with unit_of_work(sessions) as s:  # someone edits a counter behind the ledger's back
        level = s.scalars(select(StockLevel).where(StockLevel.on_hand == 10)).one()
        s.execute(update(StockLevel).where(StockLevel.id == level.id).values(on_hand=13))
    with unit_of_work(sessions) as s:
        result = reconcile(s, actor.organisation_id)
        assert result.checked == 2 and not result.repaired
        [drift] = result.drifts
        assert (drift.stored.on_hand, drift.derived.on_hand, drift.on_hand_drift) == (13, 10, 3)
    with unit_of_work(sessions) as s:
        assert reconcile(s, actor.organisation_id, repair=True).repaired
    with sessions() as s:
        assert reconcile(s, actor.organisation_id).drifts == []
        assert service.stock_table(s, actor, sku="HP-85123A")[0].on_hand == 10


def _inbound(
    wh_id: str, reference: str = "PO-2026-118", lines=(("HP-85123A", 600),)
) -> InboundCreate:
    def at(day: int) -> datetime:
        return datetime(2026, 12, day, tzinfo=UTC)

    return InboundCreate.model_validate(
        {
            "reference": reference,
            "warehouse": wh_id,
            "legs": [
                {
                    "kind": "factory",
                    "origin": "Ningbo factory",
                    "destination": "Ningbo CFS",
                    "departed_at": at(1),
                    "arrived_at": at(2),
                },
                {
                    "kind": "ocean",
                    "origin": "CNNGB",
                    "destination": "USLAX",
                    "carrier": "COSCO",
                    "departed_at": at(5),
                    "eta": at(20),
                },
                {"kind": "truck", "origin": "USLAX", "destination": "US-CA-ONT", "eta": at(23)},
            ],
            "lines": [{"sku": s, "quantity": q} for s, q in lines],
        }
    )


def test_inbound_counts_until_received_then_becomes_on_hand(sessions, stocked):
    actor, _wh = stocked
    ca = "US-CA-ONT"
    with unit_of_work(sessions) as s:
        shipment_id = inbound.create(
            s, actor, _inbound(ca, lines=(("HP-85123A", 600), ("HP-22423", 48)))
        ).id
    with sessions() as s:
        view = inbound.read(s, actor, inbound.get(s, actor, shipment_id))
        assert [(leg.sequence, leg.kind) for leg in view.legs] == [
            (1, "factory"),
            (2, "ocean"),
            (3, "truck"),
        ]
        assert view.eta == datetime(2026, 12, 23, tzinfo=UTC)
        assert sorted((x.sku, x.quantity, x.received_quantity) for x in view.lines) == [
            ("HP-22423", 48, 0), ("HP-85123A", 600, 0),
        ]  # fmt: skip
        assert service.inbound_units(s, actor.organisation_id) != {}
    with unit_of_work(sessions) as s:
        inbound.receive(s, actor, shipment_id)
    with sessions() as s:
        table = {r.sku: r for r in service.stock_table(s, actor)}
        assert (table["HP-85123A"].on_hand, table["HP-85123A"].inbound) == (600, 0)
        assert table["HP-22423"].on_hand == 48
        refs = {e.reference for e in s.scalars(select(LedgerEntry))}
        assert refs == {"PO-2026-118"}
        assert inbound.read(s, actor, inbound.get(s, actor, shipment_id)).status == "received"
    with pytest.raises(Conflict, match="already received"), unit_of_work(sessions) as s:
        inbound.receive(s, actor, shipment_id)


def test_inbound_with_an_unknown_sku_writes_nothing(sessions, stocked):
    actor, _wh = stocked
    with pytest.raises(InvalidInput, match="HP-NOPE"), unit_of_work(sessions) as s:
        inbound.create(s, actor, _inbound("US-CA-ONT", lines=(("HP-85123A", 1), ("HP-NOPE", 2))))
    with sessions() as s:
        assert inbound.page(s, actor, 10, None).items == []


def test_inbound_leg_eta_before_departure_is_refused(sessions, stocked):
    actor, _wh = stocked
    data = _inbound("US-CA-ONT")
    data.legs[1].eta = datetime(2026, 12, 1, tzinfo=UTC)
    with (
        pytest.raises(InvalidInput, match="leg 2: the ETA is before the departure"),
        unit_of_work(sessions) as s,
    ):
        inbound.create(s, actor, data)


def test_store_listings_follow_the_buffers(sessions, stocked):
    actor, _wh = stocked
    receive(sessions, actor, "HP-85123A", "US-NJ-EDI", 30)
    receive(sessions, actor, "HP-85123A", "US-CA-ONT", 10)
    receive(sessions, actor, "HP-22423", "US-CA-ONT", 3)
    store = add_store(sessions, actor)
    with unit_of_work(sessions) as s:
        publishing.set_policy(
            s,
            actor,
            store,
            StorePolicySet(max_listed=25, stop_selling_below=5, percent_of_available=50),
        )
    with sessions() as s:
        got = {x.sku: (x.available, x.quantity) for x in publishing.listings(s, actor, store)}
    assert got == {"HP-85123A": (40, 20), "HP-22423": (3, 0)}
