"""What the exception sweep reads into Python: how many shipments it checks, the candidates of
the one rule judged in numpy (`stalled`, which needs business hours per destination calendar),
its open exceptions, and the exception counts per carrier lane for the disruption judgement.
Every other rule is judged and reconciled by the database (`sweep_sql`).

The sweep never reads events: ingestion keeps each shipment's summary columns current, and its
times are the generated epoch-second columns (whole seconds, the fraction dropped; migration
0025) held in the covering index. Of those, only the stall candidates become Python values: the
WHERE clause is a superset of the rule (integer bound rounded up), and the vectorised rule then
judges exactly what it judged when every row was loaded.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from linkstar.tracking.core.exceptions import (
    MOVING,
    NONE,
    ExceptionKind,
    SweepColumns,
)
from linkstar.tracking.driver_reads import (
    columns,
    dialect,
    fetch,
    lane_key,
    param,
    seconds,
    shipments_table,
    stat_lane_key,
)
from linkstar.tracking.models import LANE_COLUMNS
from linkstar.tracking.rules import DisruptionRule, ExceptionRules
from linkstar.tracking.sweep_sql import (
    RESOLVED,
    UNFINISHED,
    quoted,
    scope_parts,
)


def shipment_tally(
    session: Session, organisation_id: str, rules: ExceptionRules, now: datetime
) -> tuple[int, list[tuple[str, str | None, int, int]]]:
    """In one read of the scope's two covering indexes: how many shipments the sweep checks,
    and per carrier and country the parcels moving in the disruption window and in the
    baseline before it ((carrier, country, recent, baseline), a lane's figures possibly in two
    rows that add up: unfinished and recently finished; a parcel is moving while not finished,
    or finished in the period, and scanned no longer than `recent_scan_days` before it)."""
    rule = rules.disruption
    window_start = now - timedelta(hours=rule.window_hours)
    baseline_start = window_start - timedelta(days=rule.baseline_days)
    fresh_for = timedelta(days=rule.recent_scan_days)
    since, window_s = seconds(now - timedelta(days=rules.recent_days)), seconds(window_start)
    fresh, base_fresh = seconds(now - fresh_for), seconds(baseline_start - fresh_for)
    (unfinished, in_unfinished), (finished, in_finished) = scope_parts(dialect(session), "?", "?")

    def counts(alive: str) -> str:  # checked, recent, baseline; `alive`: finished since ?
        return (
            f"SUM(CASE WHEN TRUE{alive} THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN s.last_event_s >= ?{alive} THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN COALESCE(s.first_scan_s, s.last_event_s) < ? "
            f"AND s.last_event_s >= ?{alive} THEN 1 ELSE 0 END)"
        )

    sql = (  # an unfinished shipment counts in all three; a finished one if finished since …
        f"SELECT s.carrier, s.dest_country, {counts('')} FROM {unfinished} "  # noqa: S608
        f"WHERE {in_unfinished} GROUP BY s.carrier, s.dest_country UNION ALL "
        f"SELECT s.carrier, s.dest_country, {counts(' AND s.status_since_s >= ?')} "
        f"FROM {finished} WHERE {in_finished} GROUP BY s.carrier, s.dest_country"
    )
    lowest = min(since, seconds(baseline_start))  # the earliest of the three periods
    rows = fetch(session, sql, (
        fresh, window_s, base_fresh, organisation_id,
        since, fresh, window_s, window_s, base_fresh, seconds(baseline_start), organisation_id,
        lowest,
    ))  # fmt: skip
    moving = [(c, d, int(recent), int(before)) for c, d, _, recent, before in rows]
    return sum(int(row[2]) for row in rows), moving


def _before(now_s: int, hours: float) -> int:
    """An integer bound above every epoch idle longer than `hours` at `now_s` (one spare
    second against the rounding of fractional hours)."""
    return math.ceil(now_s - hours * 3600.0) + 1


def stall_candidates(
    session: Session, organisation_id: str, rules: ExceptionRules, now: datetime
) -> tuple[np.ndarray[Any, Any], SweepColumns]:
    """(ids, sweep columns) of the shipments in scope that could be stalled: moving and idle
    longer than the stall floor in wall hours (business hours never exceed them, and the lane's
    limit is at least the floor), each with its lane's scan gap; none when the rule is off.
    Only the columns the stalled rule and its detail read are filled; the others are NONE."""
    name = dialect(session)
    cut = _before(seconds(now), rules.stalled_floor_business_hours)
    # Each candidate's lane id (-1: no destination country, hence no lane statistics), and its
    # lane key only when the lane id is not assigned yet; the gaps are looked up in numpy. A
    # join to the lane statistics by key built the key text of every candidate and probed an
    # automatic index with it: half the cost of this read, measured.
    sql = (
        "SELECT s.id, s.status, COALESCE(s.sub_status, ''), COALESCE(s.dest_country, ''), "  # noqa: S608
        "s.last_event_s, CASE WHEN s.dest_country IS NULL THEN -1 ELSE s.lane_id END, "
        f"CASE WHEN s.lane_id IS NULL THEN {lane_key(name)} END FROM {shipments_table(name)} "
        f"WHERE s.organisation_id = ? AND {UNFINISHED} "
        f"AND s.status IN {quoted(MOVING)} AND s.last_event_s < ?"  # no moving one is finished
    )
    stalled = ExceptionKind.STALLED in rules.enabled  # no candidates when the rule is off
    rows = fetch(session, sql, (organisation_id, cut)) if stalled else []
    cols = columns(rows, 7) if rows else [[] for _ in range(7)]
    none = np.full(len(rows), NONE, dtype=np.int64)
    return np.array(cols[0], dtype=object), SweepColumns(
        status=np.array(cols[1], dtype=object),
        sub_status=np.array(cols[2], dtype=object),
        dest_country=np.array(cols[3], dtype=object),
        last_event_at=np.array(cols[4], dtype=np.int64),
        status_since=none, promised_by=none, delivered_at=none, unmapped_count=none,
        lane_gap_p95_hours=_lane_gaps(session, organisation_id, cols[5], cols[6]),
    )  # fmt: skip


def _lane_gaps(
    session: Session, organisation_id: str, lane: list[int | None], key: list[str | None]
) -> np.ndarray[Any, Any]:
    """Per candidate its lane's stored scan-gap p95 in hours (NaN when none): by lane id, or by
    lane key (`key`, given where `lane` is None: a lane id not assigned yet)."""
    gaps = np.full(len(lane), np.nan)
    if not lane:
        return gaps
    name = dialect(session)
    same = " AND ".join(f"t.{c} = st.{c}" for c in LANE_COLUMNS)
    by_id = fetch(session, (
        "SELECT t.id, st.gap_p95_hours FROM lane_transit_stats st JOIN tracking_lanes t "  # noqa: S608
        f"ON t.organisation_id = st.organisation_id AND {same} "
        "WHERE st.organisation_id = ? AND st.level = 'lane' AND st.gap_p95_hours IS NOT NULL"
    ), (organisation_id,))  # fmt: skip
    ids = np.array([-1 if i is None else i for i in lane], dtype=np.int64)
    if by_id:
        table = np.full(max(i for i, _ in by_id) + 1, np.nan)
        table[[i for i, _ in by_id]] = [g for _, g in by_id]
        known = (ids >= 0) & (ids < table.size)
        gaps[known] = table[ids[known]]
    unassigned = [n for n, i in enumerate(lane) if i is None]
    if unassigned:
        by_key = dict(fetch(session, (
            f"SELECT {stat_lane_key(name)}, gap_p95_hours FROM lane_transit_stats "  # noqa: S608
            "WHERE organisation_id = ? AND level = 'lane'"
        ), (organisation_id,)))  # fmt: skip
        gaps[unassigned] = np.array([by_key.get(key[n]) for n in unassigned], dtype=np.float64)
    return gaps


def stalled_shipments(session: Session, organisation_id: str) -> set[str]:
    """The shipments with an open or acknowledged stalled exception (from the covering index
    `ix_tracking_exceptions_open`)."""
    sql = (
        "SELECT shipment_id FROM tracking_exceptions WHERE organisation_id = ? "  # noqa: S608
        f"AND kind = '{ExceptionKind.STALLED.value}' AND state <> '{RESOLVED}'"
    )
    return {row[0] for row in fetch(session, sql, (organisation_id,))}


def exception_counts(
    session: Session, organisation_id: str, rule: DisruptionRule, now: datetime
) -> list[tuple[str, str | None, int, int]]:
    """(carrier, country, slot, exceptions): slot 0 = opened in the window, 1 = in the baseline.

    Per the lane each exception was opened on, counted only when the parcel was still scanning
    shortly before it opened (its last scan then no older than `recent_scan_days`); both are
    recorded on the exception (migration 0028), so no shipment is read."""
    name = dialect(session)
    window_start = now - timedelta(hours=rule.window_hours)
    baseline_start = window_start - timedelta(days=rule.baseline_days)
    if name == "postgresql":
        fresh = "last_scan_at >= opened_at - ? * INTERVAL '1 second'"
    else:
        fresh = "julianday(last_scan_at) >= julianday(opened_at) - ? / 86400.0"
    kinds = tuple(k.value for k in rule.kinds)
    sql = (
        "SELECT carrier, dest_country, "  # noqa: S608
        "CASE WHEN opened_at >= ? THEN 0 ELSE 1 END AS slot, COUNT(*) "
        f"FROM tracking_exceptions WHERE organisation_id = ? "
        f"AND kind IN {quoted(kinds) if kinds else '(NULL)'} "
        f"AND opened_at >= ? AND carrier IS NOT NULL AND last_scan_at IS NOT NULL AND {fresh} "
        "GROUP BY 1, 2, 3"
    )
    seconds = float(rule.recent_scan_days) * 86_400.0
    start, base = param(session, window_start), param(session, baseline_start)
    rows = fetch(session, sql, (start, organisation_id, base, seconds))
    return [(c, d, int(slot), int(n)) for c, d, slot, n in rows]
