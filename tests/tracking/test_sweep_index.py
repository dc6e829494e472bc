"""The sweep's and the statistics' reads of shipments walk the partial covering indexes of
migration 0031 on both databases: the unfinished shipments from ix_shipments_sweep, the finished
ones from ix_shipments_finished, never the table or the shipments' other indexes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event, text

from linkstar.kit.ids import new_id
from linkstar.tracking import driver_reads, statistics, sweep_reads, sweep_scope
from linkstar.tracking.core.epochs import with_epochs
from linkstar.tracking.sweep import sweep
from tests.tracking.plans import insert_analysed
from tests.tracking.plans import plans as explain

NOW = datetime(2026, 12, 5, 12, tzinfo=UTC)
STATUSES = ("in_transit", "delivered", "out_for_delivery", "returned", "failed_attempt")


def _rows(org_id: str, n: int) -> list[dict[str, object]]:
    rows = []
    for i in range(n):
        status = STATUSES[i % len(STATUSES)]
        since = NOW - timedelta(days=i % 200)
        rows.append(with_epochs({
            "id": new_id(), "organisation_id": org_id, "tracking_number": f"LS{i:09d}",
            "carrier": ("usps", "ups")[i % 2], "dest_country": "US", "status": status,
            "status_since": since, "last_event_at": since, "first_scan_at": since,
            "delivered_at": since if status == "delivered" else None,
            "event_count": 1, "unmapped_count": 0, "source": "api",
            "public_token": new_id() + new_id(), "created_at": NOW, "updated_at": NOW,
        }))  # fmt: skip
    return rows


def _leave_only_the_partial_indexes(session) -> None:
    """Drop, in the test's transaction, every index of shipments but its key and the two."""
    kept = ("pk_shipments", "ix_shipments_sweep", "ix_shipments_finished")
    of_table = "SELECT conname FROM pg_constraint WHERE conrelid = 'shipments'::regclass"
    constraints = set(session.scalars(text(of_table)))
    names = session.scalars(text("SELECT indexname FROM pg_indexes WHERE tablename = 'shipments'"))
    for name in [n for n in names if n not in kept]:
        drop = "ALTER TABLE shipments DROP CONSTRAINT" if name in constraints else "DROP INDEX"
        session.execute(text(f"{drop} {name}"))


def test_sweep_and_statistics_read_shipments_from_the_partial_indexes(
    engine, sessions, tenant, make_tenant, monkeypatch
):
    other = make_tenant("Other Co")
    read: list[tuple[str, object]] = []

    def recorded(session, sql, params):
        if "FROM shipments" in sql:
            postgres = session.bind.dialect.name == "postgresql"
            read.append((sql.replace("?", "%s") if postgres else sql, params))
        return driver_reads.fetch(session, sql, params)

    monkeypatch.setattr(sweep_reads, "fetch", recorded)
    monkeypatch.setattr(statistics, "fetch", recorded)
    monkeypatch.setattr(sweep_scope, "fetch", recorded)
    insert_analysed(engine, sessions, _rows(tenant.org.id, 3000), _rows(other.org.id, 3000))
    postgres = engine.dialect.name == "postgresql"
    with sessions() as s:
        if postgres:  # at this size reading the table is cheapest, through the narrower
            _leave_only_the_partial_indexes(s)  # indexes: is a partial one usable for each?
            s.execute(text("SET LOCAL enable_seqscan = off"))

        def written(conn, cursor, statement, params, context, executemany):
            if statement.lstrip().startswith("WITH k(kind, owner)"):
                read.append((statement, params))

        event.listen(s.connection(), "before_cursor_execute", written)
        statistics.refresh(s, tenant.org.id, now=NOW)
        report = sweep(s, tenant.org.id, now=NOW)
        event.remove(s.connection(), "before_cursor_execute", written)
        plans = explain(s, read)
        s.rollback()
    # 1,800 unfinished + finished in the 30 recent days: 12 of each 200 (days 1, 3, 6 … 28)
    assert report.shipments_checked == 1800 + 15 * 12
    assert len(plans) == 5, plans
    gaps = plans[1]  # the statistics' scan gaps of the recently delivered: from the finished
    assert "ix_shipments_sweep" not in gaps, gaps  # shipments, never the lists' indexes below
    if postgres:
        # the statistics read, the tally, the one walk judging every rule (sweep_scope), the
        # opening INSERT of the pairs it found (their shipments by key)
        stats, _, tally, judged, opening = plans
        walks = (tally, judged)
        assert "ix_shipments_sweep" not in opening and "ix_shipments_finished" not in opening
    else:  # the statistics read, the tally, the opening INSERT, the stall candidates
        stats, _, tally, opening, stall = plans
        walks = (tally, opening)
        assert "ix_shipments_finished" in gaps, gaps
        assert "ix_shipments_sweep" in stall and "ix_shipments_finished" not in stall, stall
    assert "ix_shipments_finished" in stats and "ix_shipments_sweep" not in stats, stats
    for plan in walks:
        assert "ix_shipments_finished" in plan and "ix_shipments_sweep" in plan, plan
    for plan in plans:
        assert "ix_shipments_org" not in plan and "Seq Scan on shipments" not in plan, plan


def test_sweep_plans_postgres_with_its_settings_and_restores_the_callers(
    engine, sessions, tenant, monkeypatch
):
    """On PostgreSQL the sweep runs without JIT, with cached random pages, a larger work_mem
    and no merge joins, in its own transaction's settings; the caller's values come back."""
    from linkstar.tracking import sweep as sweep_module

    seen: list[tuple[str, ...]] = []
    names = tuple(sweep_module.PLANNER)
    inner = sweep_module._sweep

    def spy(session, organisation_id, now):
        if session.bind.dialect.name == "postgresql":
            seen.append(tuple(_setting(session, n) for n in names))
        return inner(session, organisation_id, now)

    monkeypatch.setattr(sweep_module, "_sweep", spy)
    with sessions() as s:
        postgres = s.bind.dialect.name == "postgresql"
        if postgres:
            s.execute(text("SET LOCAL jit = on"))
            s.execute(text("SET LOCAL random_page_cost = 3.5"))
            before = tuple(_setting(s, n) for n in names)
        report = sweep(s, tenant.org.id, now=NOW)
        assert report.shipments_checked == 0
        if postgres:
            assert seen == [("off", "1.1", "64MB", "off")]
            assert tuple(_setting(s, n) for n in names) == before
            assert before[:2] == ("on", "3.5")
        else:
            assert seen == []
        s.rollback()


def _setting(session, name: str) -> str:
    return str(session.execute(text("SELECT current_setting(:n)"), {"n": name}).scalar_one())
