"""What the exception sweep reads besides its one walk (`sweep_scope`): how many shipments it
checks and the parcels moving per lane (`shipment_tally`), the stall candidates' lane gaps by
lane id (`lane_gaps`, SQLite), and the exception counts per carrier lane for the disruption
judgement.

The sweep never reads events: ingestion keeps each shipment's summary columns current, and its
times are the generated epoch-second columns (whole seconds, the fraction dropped; migration
0025) held in the covering index. The stall candidates' bound (`_before`) is a superset of the
rule (integer bound rounded up), and the vectorised rule then judges exactly what it judged
when every row was loaded.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from linkstar.tracking.driver_reads import (
    dialect,
    fetch,
    param,
    seconds,
    stat_lane_key,
)
from linkstar.tracking.models import LANE_COLUMNS
from linkstar.tracking.rules import DisruptionRule, ExceptionRules
from linkstar.tracking.sweep_sql import (
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


def lane_gaps(
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
