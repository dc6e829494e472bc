"""An organisation's shipment list and status counts never use the mixin's dropped
ix_shipments_organisation_id (migration 0037); on PostgreSQL a small organisation beside a large
one is never a scan of the whole table (SQLite's average statistics may choose one)."""

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
    postgres = engine.dialect.name == "postgresql"
    for plan in found:
        assert "ix_shipments_organisation_id" not in plan
        # SQLite's statistics are per-index averages (10,100 rows an organisation here), so by
        # them a scan can be the cheaper way to a page of the small organisation: only
        # PostgreSQL, which knows each organisation's share, is held to an index here.
        assert not postgres or "Seq Scan on shipments" not in plan, plan
