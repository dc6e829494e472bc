"""The linker's look-up of shipments by number uses ix_shipments_org_number on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from linkstar.db.bulk import insert_rows
from linkstar.inbox.linking import shipments_by_number_query
from linkstar.kit.ids import new_id
from linkstar.tracking.core.epochs import with_epochs
from linkstar.tracking.models import Shipment

CARRIERS = ("usps", "ups", "fedex", "dhl")


def _plan(session, organisation_id: str) -> str:
    stmt = shipments_by_number_query(organisation_id, ["LS000000042", "LS000001042"])
    sql = str(stmt.compile(session.bind, compile_kwargs={"literal_binds": True}))
    if session.bind.dialect.name == "postgresql":
        return "\n".join(session.execute(text(f"EXPLAIN {sql}")).scalars())
    return "\n".join(row[-1] for row in session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))


def test_number_lookup_uses_the_org_number_index(sessions, tenant, make_tenant):
    other = make_tenant("Other Co")
    now = datetime(2026, 12, 5, 12, tzinfo=UTC)
    rows = [
        with_epochs(
            {
                "id": new_id(),
                "organisation_id": org.id,
                "tracking_number": f"LS{i:09d}",
                "carrier": CARRIERS[i % len(CARRIERS)],
                "status": "in_transit",
                "event_count": 0,
                "unmapped_count": 0,
                "source": "api",
                "public_token": new_id() + new_id(),
                "created_at": now,
                "updated_at": now,
            }
        )
        for org in (tenant.org, other.org)
        for i in range(3000)
    ]
    with sessions() as s:
        insert_rows(s.connection(), Shipment.__table__, rows)
        s.execute(text("ANALYZE shipments" if s.bind.dialect.name == "postgresql" else "ANALYZE"))
        plan = _plan(s, tenant.org.id)
        found = s.scalars(shipments_by_number_query(tenant.org.id, ["LS000000042"])).all()
        s.commit()
    assert "ix_shipments_org_number" in plan, plan
    assert [(x.tracking_number, x.carrier) for x in found] == [("LS000000042", "fedex")]
