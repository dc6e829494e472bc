"""An organisation's shipment list and status counts never use the mixin's dropped
ix_shipments_organisation_id (migration 0037); a small organisation beside a large one is never
a scan of the whole table, and on SQLite its list pages read ix_shipments_org_created (0042) in
order, without a sort."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from linkstar.kit.ids import new_id
from linkstar.tracking.core.epochs import with_epochs
from linkstar.tracking.shipments import shipments_page, status_counts
from tests.tracking.plans import insert_analysed, plans

NOW = datetime(2026, 12, 6, 4, tzinfo=UTC)
STATUSES = ("in_transit", "delivered", "out_for_delivery", "failed_attempt")


def _rows(org_id: str, n: int) -> list[dict[str, object]]:
    rows = []
    for i in range(n):
        rows.append(with_epochs({
            "id": new_id(), "organisation_id": org_id, "tracking_number": f"LS{i:09d}",
            "carrier": ("usps", "ups")[i % 2], "status": STATUSES[i % len(STATUSES)],
            "order_ref": f"R{i}", "last_event_at": NOW - timedelta(hours=i), "event_count": 1,
            "unmapped_count": 0, "source": "api", "public_token": new_id() + new_id(),
            "created_at": NOW - timedelta(minutes=i), "updated_at": NOW,
        }))  # fmt: skip
    return rows


def test_shipment_lists_of_an_organisation_seek_an_organisation_index(
    engine, sessions, tenant, make_tenant
):
    big = make_tenant("Big Co")
    insert_analysed(engine, sessions, _rows(tenant.org.id, 200), _rows(big.org.id, 20_000))
    read: list[tuple[str, object]] = []

    def recorded(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if "FROM shipments" in statement:
            read.append((statement, params))

    with sessions() as s:
        event.listen(s.connection(), "before_cursor_execute", recorded)
        pages = [
            shipments_page(s, tenant.principal, 50),
            shipments_page(s, tenant.principal, 50, status="delivered"),
            shipments_page(s, tenant.principal, 50, carrier="UPS"),
            shipments_page(s, tenant.principal, 50, q="LS00000001"),
        ]
        counts = status_counts(s, tenant.principal)
        event.remove(s.connection(), "before_cursor_execute", recorded)
        found = plans(s, read)
    assert [len(p.items) for p in pages] == [50, 50, 50, 10]
    assert counts == dict.fromkeys(STATUSES, 50)
    assert len(found) == 5, found
    for plan in found:
        assert "ix_shipments_organisation_id" not in plan
        assert "Seq Scan on shipments" not in plan, plan
        # SQLite's statistics are per-index averages (10,100 rows an organisation here): by
        # them a scan and a sort was the cheaper way to a page of the small organisation until
        # ix_shipments_org_created (0042) gave the lists' order within an organisation.
        assert "SCAN shipments" not in plan, plan
    if engine.dialect.name == "sqlite":  # every page read in its order, no sort
        used = ["ix_shipments_org_status" if "org_status" in p else "org_created" in p
                for p in found[:4]]  # fmt: skip
        assert used == [True, "ix_shipments_org_status", True, True], found
        assert not any("TEMP B-TREE" in p for p in found), found


def test_a_large_organisations_rare_status_seeks_the_status_in_order(
    engine, sessions, tenant, make_tenant
):
    small = make_tenant("Small Co")
    big = _rows(tenant.org.id, 20_000)
    for i, row in enumerate(big):
        row["status"] = "exception" if i % 2000 == 0 else "in_transit"
    insert_analysed(engine, sessions, _rows(small.org.id, 200), big)
    read: list[tuple[str, object]] = []

    def recorded(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if "FROM shipments" in statement:
            read.append((statement, params))

    with sessions() as s:
        event.listen(s.connection(), "before_cursor_execute", recorded)
        page = shipments_page(s, tenant.principal, 50, status="exception")
        event.remove(s.connection(), "before_cursor_execute", recorded)
        (plan,) = plans(s, read)
    assert len(page.items) == 10
    assert "Seq Scan on shipments" not in plan and "SCAN shipments" not in plan, plan
    if engine.dialect.name == "sqlite":  # not a walk of the 20,000 in creation order
        assert "ix_shipments_org_status" in plan and "TEMP B-TREE" not in plan, plan
