"""The one walk's parts on both databases: the open kinds per shipment as bits (acknowledged
counted, resolved not, two pending of one kind counted once), and the writes of the pairs it
finds (`open_pairs`, `resolve_pairs`), scoped to the organisation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from linkstar.db.uow import unit_of_work
from linkstar.tracking.core.exceptions import ExceptionKind
from linkstar.tracking.models import Shipment, TrackingException
from linkstar.tracking.rules import ExceptionRules
from linkstar.tracking.sweep_scope import bit, read_differences
from linkstar.tracking.sweep_sql import open_pairs, resolve_pairs

NOW = datetime(2026, 12, 10, 12, tzinfo=UTC)
LATE, LOST = ExceptionKind.LATE, ExceptionKind.LOST
FAILED = ExceptionKind.FAILED_ATTEMPT


def _shipment(s, org_id: str, number: str, status: str = "delivered") -> Shipment:
    """A shipment no rule holds for (delivered on time, finished long ago)."""
    old = NOW - timedelta(days=90)
    shipment = Shipment(
        organisation_id=org_id, tracking_number=number, carrier="usps", dest_country="US",
        status=status, status_since=old, last_event_at=old, first_scan_at=old,
        delivered_at=old, promised_by=old + timedelta(days=1),
    )  # fmt: skip
    s.add(shipment)
    s.flush()
    return shipment


def _exception(s, shipment: Shipment, kind: ExceptionKind, state: str) -> None:
    s.add(TrackingException(
        organisation_id=shipment.organisation_id, shipment_id=shipment.id, kind=kind.value,
        state=state, opened_at=NOW - timedelta(days=1), detail={},
    ))  # fmt: skip


def test_open_kinds_count_acknowledged_not_resolved_and_each_kind_once(sessions, tenant):
    org_id = tenant.org.id
    with unit_of_work(sessions) as s:
        a, b = _shipment(s, org_id, "A1"), _shipment(s, org_id, "B1")
        _exception(s, a, LATE, "acknowledged")
        _exception(s, a, LOST, "open")
        _exception(s, a, LOST, "open")  # two pending of one kind: its bit once
        _exception(s, a, FAILED, "resolved")
        _exception(s, b, FAILED, "resolved")  # nothing pending: not read
        ids = {a.id: "A1"}
    with sessions() as s:
        found = read_differences(s, org_id, ExceptionRules(), NOW)
    # A1 holds no rule: its auto-resolved kinds pending are differences, with their bits
    assert {ids[i]: int(o) for i, o in zip(found.ids.tolist(), found.open, strict=True)} == {
        "A1": bit(LATE) | bit(LOST)
    }
    assert found.holds.tolist() == [0] and found.candidate.tolist() == [False]


def test_open_and_resolve_pairs_write_exactly_the_pairs_of_the_organisation(
    sessions, tenant, make_tenant
):
    org_id, other = tenant.org.id, make_tenant("Other Co").org.id
    with unit_of_work(sessions) as s:
        a = _shipment(s, org_id, "A1", "failed_attempt")
        b = _shipment(s, org_id, "B1")
        theirs = _shipment(s, other, "C1")
        _exception(s, b, LOST, "acknowledged")
        _exception(s, b, LATE, "resolved")
        _exception(s, theirs, LOST, "open")
        ids = (a.id, b.id, theirs.id)
    rules = ExceptionRules(owners={FAILED: "user-1"})
    with unit_of_work(sessions) as s:
        opened = open_pairs(
            s, org_id, rules, NOW, ([ids[0], ids[0], ids[2]], [FAILED.value, LATE.value, "lost"])
        )
        resolved = resolve_pairs(
            s, org_id, NOW, ([ids[1], ids[1], ids[2]], [LOST.value, LATE.value, LOST.value])
        )
    # the other organisation's shipment and exception are left alone; the resolved one stays
    assert dict(opened) == {FAILED.value: 1, LATE.value: 1} and resolved == 1
    with sessions() as s:
        rows = s.scalars(select(TrackingException).order_by(TrackingException.kind)).all()
        got = sorted(
            (r.shipment_id == ids[0], r.shipment_id == ids[2], r.kind, r.state, r.resolved_by,
             r.owner_user_id)
            for r in rows
        )  # fmt: skip
        fresh = [r for r in rows if r.shipment_id == ids[0]]
    assert got == sorted([
        (True, False, FAILED.value, "open", None, "user-1"),
        (True, False, LATE.value, "open", None, None),
        (False, False, LOST.value, "resolved", "sweep", None),
        (False, False, LATE.value, "resolved", None, None),
        (False, True, LOST.value, "open", None, None),
    ])  # fmt: skip
    for row in fresh:  # detail, lane and last scan from the shipment
        assert row.opened_at == NOW and (row.carrier, row.dest_country) == ("usps", "US")
        assert row.detail["status"] == "failed_attempt" and "last_event_at" in row.detail
    assert {r.resolved_at for r in rows if r.resolved_by == "sweep"} == {NOW}


def test_no_pairs_write_nothing(sessions, tenant):
    with unit_of_work(sessions) as s:
        assert open_pairs(s, tenant.org.id, ExceptionRules(), NOW, ([], [])) == {}
        assert resolve_pairs(s, tenant.org.id, NOW, ([], [])) == 0
    with sessions() as s:
        assert s.scalars(select(TrackingException)).all() == []
