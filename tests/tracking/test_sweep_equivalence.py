"""The set-based sweep and the columnar statistics read give exactly what the row-by-row reads
gave (tests/tracking/reference_sweep.py) on a generated workspace: every status, sub-status and
rule, times with microseconds and right at the rules' bounds, lanes with and without a scan
gap, exceptions open, acknowledged and resolved, some on shipments the sweep no longer checks.
The sweep's writes are compared: the exceptions it opens (shipment, kind, detail, and the lane
and last scan copied from the shipment) and the ones it resolves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import select, update

from linkstar.db.uow import unit_of_work
from linkstar.tracking import lane_ids
from linkstar.tracking.core.exceptions import ExceptionKind, detect
from linkstar.tracking.models import LaneTransitStat, Shipment, TrackingException
from linkstar.tracking.rules import ExceptionRules
from linkstar.tracking.statistics import read_finished
from linkstar.tracking.sweep import _detail, _lane_counts, judge
from linkstar.tracking.sweep_reads import shipment_tally
from tests.tracking import reference_sweep as ref

NOW = datetime(2026, 12, 10, 12, 0, 0, 250_000, tzinfo=UTC)
STATUSES = ("pending", "info_received", "in_transit", "out_for_delivery", "failed_attempt",
            "available_for_pickup", "delivered", "exception", "returning_to_sender", "returned",
            "expired", "unmapped")  # fmt: skip
SUBS = (None, None, None, "customs_hold", "customs_information_required", "address_issue",
        "recipient_moved", "delayed_weather", "")  # fmt: skip
HOUR = 3600.0
STATES = ("open", "open", "acknowledged", "resolved")
# Offsets (seconds before NOW) on and around the rules' bounds, plus ordinary ones.
EDGES = (0.0, 0.4, 1.0, 1.6, 48 * HOUR - 0.6, 48 * HOUR, 48 * HOUR + 0.7, 48 * HOUR + 1.2,
         14 * 86_400 - 0.5, 14 * 86_400 + 0.5, 30 * 86_400 - 0.3, 30 * 86_400 + 0.3)  # fmt: skip
RULES = (
    ExceptionRules(),
    ExceptionRules(
        enabled=[ExceptionKind.STALLED, ExceptionKind.LATE, ExceptionKind.CUSTOMS_HOLD],
        stalled_floor_business_hours=20, customs_hold_hours=5, lost_days=3, recent_days=10,
        auto_resolve=[ExceptionKind.STALLED, ExceptionKind.LATE, ExceptionKind.LOST],
    ),
)  # fmt: skip


def _workspace(sessions, org_id: str, seed: int, n: int = 1_500) -> None:
    rng = np.random.default_rng(seed)

    def ago() -> datetime | None:
        roll = rng.random()
        if roll < 0.08:
            return None
        seconds = EDGES[rng.integers(len(EDGES))] if roll < 0.35 else rng.exponential(5 * 86_400)
        return NOW - timedelta(seconds=float(seconds), microseconds=int(rng.integers(0, 999)))

    with unit_of_work(sessions) as s:
        shipments = []
        for i in range(n):
            status = STATUSES[rng.integers(len(STATUSES))]
            last = ago()
            promised = ago() if rng.random() < 0.5 else NOW + timedelta(hours=float(rng.normal()))
            done = status in ("delivered", "returned")
            delivered = None
            if status == "delivered" and rng.random() < 0.95:
                delivered = (promised or NOW) + timedelta(
                    seconds=float(rng.choice([-0.4, 0.3, 0, -90_000, 90_000]))
                )
            shipments.append(Shipment(
                organisation_id=org_id, tracking_number=f"EQ{seed}{i:06d}",
                carrier=("usps", "ups", "dhl")[i % 3],
                carrier_service=(None, "Ground", "Express")[i % 3 if rng.random() < 0.7 else 0],
                warehouse_id=(None, "wh-ca", "wh-nj")[int(rng.integers(3))],
                dest_country=(None, "US", "GB", "DE")[int(rng.integers(4))] if i % 7 else "US",
                dest_postcode=(None, "10001", "SW1A 1AA", "80331", "9")[int(rng.integers(5))],
                promised_by=promised if rng.random() < 0.8 else None,
                status=status, sub_status=SUBS[rng.integers(len(SUBS))],
                status_since=(delivered or ago()) if done else ago(),
                last_event_at=last, first_scan_at=ago(), delivered_at=delivered,
                unmapped_count=int(rng.random() < 0.05),
            ))  # fmt: skip
        s.add_all(shipments)
        s.flush()
        for j, key in enumerate(sorted({_lane(x) for x in shipments if x.dest_country})):
            if j % 3:  # a third of the lanes have no statistics yet
                carrier, service, origin, country, prefix = key
                s.add(LaneTransitStat(
                    organisation_id=org_id, level="lane", carrier=carrier,
                    carrier_service=service, origin=origin, dest_country=country,
                    postcode_prefix=prefix, shipments=50, delivered=40, p50_days=3.0,
                    p90_days=6.0, p95_days=7.0, on_time_rate=0.9, success_rate=0.95,
                    gap_p95_hours=None if j % 5 == 0 else float(20 + j % 70), confidence=0.5,
                ))  # fmt: skip
        kinds = list(ExceptionKind)
        pending = set()  # the sweep never opens a second exception of a kind still pending
        for k in range(n // 2):
            target = shipments[int(rng.integers(n))]
            kind, state = kinds[int(rng.integers(len(kinds)))].value, STATES[k % 4]
            if state != "resolved" and (target.id, kind) in pending:
                continue
            pending.add((target.id, kind) if state != "resolved" else None)
            s.add(TrackingException(
                organisation_id=org_id, shipment_id=target.id, kind=kind, state=state,
                opened_at=NOW - timedelta(seconds=float(rng.uniform(0, 40 * 86_400))), detail={},
                carrier=target.carrier, dest_country=target.dest_country,
                last_scan_at=target.last_event_at,
            ))  # fmt: skip


def _lane(s: Shipment) -> tuple[str, ...]:
    prefix = (s.dest_postcode or "")[:3]
    return (s.carrier, s.carrier_service or "", s.warehouse_id or "", s.dest_country or "", prefix)


def _new_plan(s, org_id: str, rules: ExceptionRules):
    """What the sweep writes, read back (and undone after)."""
    e = TrackingException
    before = set(s.scalars(select(e.id).where(e.organisation_id == org_id)))
    savepoint = s.begin_nested()
    report = judge(s, org_id, rules, NOW)
    s.expire_all()
    rows = s.scalars(select(e).where(e.organisation_id == org_id)).all()
    shipments = {x.id: x for x in s.scalars(select(Shipment))}
    opened = {}
    for x in rows:
        if x.id in before:
            continue
        assert (x.state, x.opened_at, x.owner_user_id) == ("open", NOW, rules.owner_for(x.kind))
        ship = shipments[x.shipment_id]
        lane = (ship.carrier, ship.dest_country, ship.last_event_at)
        assert (x.carrier, x.dest_country, x.last_scan_at) == lane
        opened[(x.shipment_id, x.kind)] = x.detail
    resolved = sorted(x.id for x in rows if x.resolved_by == "sweep" and x.resolved_at == NOW)
    assert sum(report.opened.values()) == len(opened) and report.resolved == len(resolved)
    savepoint.rollback()
    return shipment_tally(s, org_id, rules, NOW)[0], opened, resolved


def _old_plan(s, org_id: str, rules: ExceptionRules):
    ids, columns = ref.load_columns(s, org_id, NOW - timedelta(days=rules.recent_days))
    masks = detect(columns, rules.thresholds(), int(NOW.timestamp()))
    to_open, to_resolve = ref.reconcile(
        ids, masks, ref.open_exceptions(s, org_id), frozenset(rules.auto_resolve)
    )
    opened = {(ids[i], k.value): _detail(columns, i, k) for i, k in to_open}
    return len(columns), opened, to_resolve


def _assign_lane_ids(sessions, org_id: str) -> None:
    """Every shipment's lane id, then every other one's forgotten again (as a writer that
    changed a lane field does): the stall candidates' gaps by lane id and by lane key."""
    with unit_of_work(sessions) as s:
        assert lane_ids.assign(s, org_id) > 1000
        forget = update(Shipment).where(Shipment.tracking_number.like("%0"))
        assert s.execute(forget.values(lane_id=None)).rowcount > 100  # type: ignore[attr-defined]


@pytest.mark.parametrize(("seed", "assigned"), [(1, False), (2, False), (3, True)])
def test_columnar_reads_equal_the_row_by_row_reads(sessions, tenant, seed, assigned):
    org_id = tenant.org.id
    _workspace(sessions, org_id, seed)
    if assigned:
        _assign_lane_ids(sessions, org_id)
    with sessions() as s:
        for rules in RULES:
            new, old = _new_plan(s, org_id, rules), _old_plan(s, org_id, rules)
            assert new == old
            checked, opened, resolved = new
            assert checked > 500 and len(resolved) > 20  # the comparison is not vacuous
            assert len({kind for _, kind in opened}) == len(rules.enabled)
            rule = rules.disruption
            moving = shipment_tally(s, org_id, rules, NOW)[1]
            tallied: dict[tuple[str, str | None], list[int]] = {}
            for carrier, country, recent, before in moving:  # a lane may come in two rows
                pair = tallied.setdefault((carrier, country), [0, 0])
                pair[0], pair[1] = pair[0] + recent, pair[1] + before
            assert {k: v for k, v in tallied.items() if any(v)} == ref.moving_tally(
                s, org_id, rules, NOW
            )
            lanes = _lane_counts(s, org_id, rule, NOW, moving)
            counts = {(c.carrier, c.dest_country): [c.recent, c.baseline] for c in lanes}
            counts = {key: pair for key, pair in counts.items() if any(pair)}
            assert counts == ref.exception_tally(s, org_id, rule, NOW)
            assert sum(c[0] for c in counts.values()) > 10
        finished = read_finished(s, org_id, NOW)
        assert finished is not None
        names, lane, parents, parent_of_lane, transit, delivered, on_time = ref.read_finished(
            s, org_id, NOW
        )
    np.testing.assert_array_equal(finished.lane_names, names)
    np.testing.assert_array_equal(finished.parent_names, parents)
    np.testing.assert_array_equal(finished.parent_of_lane, parent_of_lane)
    # The same shipments, each with the same figures; the rows may come in another order (the
    # new read walks the covering index); no read ever promised an order.
    new = np.lexsort((finished.on_time, finished.transit, finished.lane))
    old = np.lexsort((on_time, transit, lane))
    np.testing.assert_array_equal(finished.lane[new], lane[old])
    np.testing.assert_array_equal(finished.transit[new], transit[old])  # NaN equals NaN here
    np.testing.assert_array_equal(finished.delivered[new], delivered[old])
    np.testing.assert_array_equal(finished.on_time[new], on_time[old])
    assert np.isfinite(transit).sum() > 50 and (on_time == 0).sum() > 10
