"""Ingestion: idempotent by (store, external id), version wins, payloads kept once, dead letters."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from linkstar.db.uow import unit_of_work
from linkstar.kit.errors import NotFound
from linkstar.orders.core.canonical import ChannelStatus, OrderLine
from linkstar.orders.ingest import ingest, ingest_committing
from linkstar.orders.models import (
    Order,
    OrderDeadLetter,
    OrderEvent,
    OrderPayload,
    SkuMappingRow,
)
from linkstar.orders.models import (
    OrderLine as LineRow,
)
from tests.orders.conftest import BAD_US, T0, make_order


def counts(sessions) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        return {
            m.__tablename__: int(s.scalar(select(func.count()).select_from(m)) or 0)
            for m in (Order, LineRow, OrderPayload, OrderEvent, OrderDeadLetter)
        }


def run(sessions, tenant, store, items, source="webhook"):  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        return ingest(s, tenant.org.id, store, items, source)


def test_new_order_is_stored_checked_with_lines_payload_and_timeline(sessions, tenant, store):
    raw = {"AmazonOrderId": "112-0000001-0000001", "OrderStatus": "Unshipped"}
    report = run(sessions, tenant, store, [(make_order(), raw)])
    assert (report.created, report.updated, report.unchanged, report.stale) == (1, 0, 0, 0)
    assert report.held == 0 and report.errors == []
    with unit_of_work(sessions) as s:
        order = s.scalars(select(Order)).one()
        assert order.state == "checked"
        assert order.address_verdict == "valid"
        assert order.total == Decimal("59.98")
        assert order.ship_postcode == "94043" and order.is_held is False
        line = s.scalars(select(LineRow)).one()
        assert (line.channel_sku, line.master_sku, line.quantity) == ("AMZ-MUG-RED",) * 2 + (2,)
        payload = s.scalars(select(OrderPayload)).one()
        assert payload.raw == raw and payload.source == "webhook"
        assert payload.outcome == "created" and payload.order_id == order.id
        kinds = [e.kind for e in s.scalars(select(OrderEvent).order_by(OrderEvent.kind))]
        assert kinds == ["imported"]


def test_same_order_from_three_sources_many_times_is_one_order(sessions, tenant, store):
    order = make_order()
    raw = {"id": 1}
    for source in ("webhook", "poll", "file", "webhook", "poll"):
        run(sessions, tenant, store, [(order, raw), (order, raw)], source)
    after = counts(sessions)
    assert after["orders"] == 1 and after["order_lines"] == 1
    assert after["order_payloads"] == 1  # the same bytes are stored once
    report = run(sessions, tenant, store, [(order, raw)], "file")
    assert (report.created, report.unchanged) == (0, 1)
    assert counts(sessions) == after


def test_newer_version_updates_and_older_copy_is_stale_whatever_the_order(sessions, tenant, store):
    old = make_order(version=T0)
    new = make_order(version=T0 + timedelta(hours=1), status=ChannelStatus.CANCELLED)
    first = run(sessions, tenant, store, [(new, {"v": 2})])
    late = run(sessions, tenant, store, [(old, {"v": 1})])
    assert (first.created, late.stale, late.updated) == (1, 1, 0)
    with unit_of_work(sessions) as s:
        order = s.scalars(select(Order)).one()
        assert order.state == "cancelled" and order.version == new.version
        outcomes = sorted(p.outcome for p in s.scalars(select(OrderPayload)))
        assert outcomes == ["created", "stale"]


def test_arrival_order_does_not_change_the_result(sessions, make_tenant):  # type: ignore[no-untyped-def]
    from linkstar.workspace.models import Store

    copies = [
        make_order(version=T0, total="10.00"),
        make_order(version=T0 + timedelta(minutes=5), total="12.00"),
        make_order(version=T0 + timedelta(minutes=9), total="11.00"),
    ]
    results = []
    for n, sequence in enumerate([copies, copies[::-1], [copies[1], copies[2], copies[0]]]):
        t = make_tenant(f"Org {n}", f"o{n}@x.example")
        with unit_of_work(sessions) as s:
            st = Store(
                organisation_id=t.org.id, name="S", channel="amazon", region="US", currency="USD"
            )
            s.add(st)
            s.flush()
            store_id = st.id
        for copy in sequence:
            run(sessions, t, store_id, [(copy, None)])
        with unit_of_work(sessions) as s:
            row = s.scalars(select(Order).where(Order.organisation_id == t.org.id)).one()
            results.append((row.total, row.version))
    assert results == [(Decimal("11.00"), copies[2].version)] * 3


def test_update_changes_address_and_lines_and_records_what_changed(sessions, tenant, store):
    run(sessions, tenant, store, [(make_order(), None)])
    changed = make_order(
        version=T0 + timedelta(hours=1),
        ship_to=BAD_US,
        lines=(OrderLine("L1", "AMZ-MUG-RED", 3, Decimal("29.99")),),
    )
    report = run(sessions, tenant, store, [(changed, None)])
    assert report.updated == 1 and report.held == 1
    with unit_of_work(sessions) as s:
        order = s.scalars(select(Order)).one()
        assert order.state == "new" and order.is_held
        assert [h["reason"] for h in order.holds] == ["address"]
        assert s.scalars(select(LineRow)).one().quantity == 3
        upd = s.scalars(select(OrderEvent).where(OrderEvent.kind == "updated")).one()
        assert "lines" in upd.detail["changed"] and "ship_postcode" in upd.detail["changed"]


def test_bad_address_holds_the_order(sessions, tenant, store):
    report = run(sessions, tenant, store, [(make_order(ship_to=BAD_US), None)])
    assert report.held == 1
    with unit_of_work(sessions) as s:
        order = s.scalars(select(Order)).one()
        assert order.state == "new" and order.address_verdict in {"invalid", "needs_review"}
        assert order.holds[0]["reason"] == "address"


def test_pending_order_is_held_until_paid(sessions, tenant, store):
    run(sessions, tenant, store, [(make_order(status=ChannelStatus.PENDING), None)])
    run(sessions, tenant, store, [(make_order(version=T0 + timedelta(hours=1)), None)])
    with unit_of_work(sessions) as s:
        order = s.scalars(select(Order)).one()
        assert order.holds == [] and order.is_held is False
        kinds = {e.kind for e in s.scalars(select(OrderEvent))}
        assert {"held", "released", "updated"} <= kinds


def test_invalid_item_goes_to_dead_letters_and_good_items_are_kept(sessions, tenant, store):
    good = make_order("A-1")
    bad = make_order("A-2", lines=(OrderLine("L1", "X", 1), OrderLine("L1", "Y", 1)))
    report = run(sessions, tenant, store, [(good, {"ok": 1}), (bad, {"broken": True})])
    assert report.created == 1
    assert [(e.index, e.external_id) for e in report.errors] == [(1, "A-2")]
    assert "appears twice" in report.errors[0].message
    with unit_of_work(sessions) as s:
        dead = s.scalars(select(OrderDeadLetter)).one()
        assert dead.state == "open" and dead.raw == '{"broken": true}'
        assert dead.id == report.errors[0].dead_letter_id
        assert [o.external_id for o in s.scalars(select(Order))] == ["A-1"]


def test_bundles_explode_through_mappings(sessions, tenant, store):
    with unit_of_work(sessions) as s:
        s.add(
            SkuMappingRow(
                organisation_id=tenant.org.id,
                scope=f"store:{store}",
                store_id=store,
                channel_sku="KIT-TEA",
                components=[{"sku": "HP-MUG", "quantity": 2}, {"sku": "HP-TEA", "quantity": 1}],
            )
        )
    order = make_order(lines=(OrderLine("L1", "KIT-TEA", 2, Decimal("30.00")),))
    run(sessions, tenant, store, [(order, None)])
    with unit_of_work(sessions) as s:
        lines = [
            (x.master_sku, x.quantity, x.unit_price, x.component_of)
            for x in s.scalars(select(LineRow).order_by(LineRow.position))
        ]
    assert lines == [
        ("HP-MUG", 4, Decimal("10.0000"), "KIT-TEA"),
        ("HP-TEA", 2, Decimal("10.0000"), "KIT-TEA"),
    ]


def test_unknown_store_is_not_found_and_writes_nothing(sessions, tenant, store):
    with pytest.raises(NotFound):
        run(sessions, tenant, "0" * 32, [(make_order(), None)])
    assert counts(sessions)["orders"] == 0


def test_committing_import_in_batches(sessions, tenant, store):
    items = [(make_order(f"B-{i}"), {"n": i}) for i in range(25)]
    report = ingest_committing(sessions, tenant.org.id, store, items, "file", batch_size=10)
    assert report.created == 25 and len(report.order_ids) == 25
    again = ingest_committing(sessions, tenant.org.id, store, items, "file", batch_size=10)
    assert (again.created, again.unchanged) == (0, 25)
    assert counts(sessions)["order_payloads"] == 25
