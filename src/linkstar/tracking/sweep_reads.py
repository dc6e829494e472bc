"""What the exception sweep reads: the shipments that can need attention (as columns), the open
exceptions, and the exception counts per carrier lane for the disruption judgement.

The sweep never reads events: ingestion keeps each shipment's summary columns (status,
sub-status, status since, last and first scan, delivered at, unmapped count) current, so one
narrow read of the shipments table is enough, and its times are the generated epoch-second
columns (whole seconds, the fraction dropped; migration 0025) held in the covering index. Of
those, only the rows that some enabled rule could flag are turned into Python values: the WHERE
clause is a superset of every rule (integer bounds rounded up), and the vectorised rules then
judge exactly what they judged when every row was loaded. The count of shipments checked comes
from a COUNT(*) over the same scope.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from linkstar.tracking.core.exceptions import (
    MOVING,
    ExceptionKind,
    OpenExceptions,
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
from linkstar.tracking.rules import DisruptionRule, ExceptionRules

OPEN_STATES = ("open", "acknowledged")
TERMINAL = ("delivered", "returned")


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _candidates(rules: ExceptionRules, now_s: int) -> tuple[str, list[int]]:
    """SQL matching every shipment some enabled rule could flag, and its time parameters."""
    enabled = set(rules.enabled)
    moving = f"s.status IN {_in(MOVING)}"
    parts: list[str] = []
    times: list[int] = []
    idle_hours = [rules.stalled_floor_business_hours] if ExceptionKind.STALLED in enabled else []
    idle_hours += [rules.lost_days * 24.0] if ExceptionKind.LOST in enabled else []
    if idle_hours:  # business hours never exceed wall hours, and the lane's limit ≥ the floor
        parts.append(f"({moving} AND s.last_event_s < ?)")
        times.append(_before(now_s, min(idle_hours)))
    if ExceptionKind.CUSTOMS_HOLD in enabled:
        parts.append("s.sub_status IN ('customs_hold', 'customs_information_required')")
    if ExceptionKind.FAILED_ATTEMPT in enabled:
        parts.append("s.status = 'failed_attempt'")
    if ExceptionKind.ADDRESS_ISSUE in enabled:
        parts.append("s.sub_status IN ('address_issue', 'recipient_moved')")
    if ExceptionKind.RETURN_TO_SENDER in enabled:
        parts.append("s.status IN ('returning_to_sender', 'returned')")
    if ExceptionKind.LATE in enabled:
        parts.append(
            "(s.promised_s IS NOT NULL AND ((s.delivered_s IS NOT NULL "
            "AND s.delivered_s > s.promised_s) OR (s.delivered_s IS NULL "
            f"AND {moving} AND s.promised_s < ?)))"
        )
        times.append(now_s)
    if ExceptionKind.UNMAPPED in enabled:
        parts.append("(s.unmapped_count > 0 OR s.status = 'unmapped')")
    return ("(" + " OR ".join(parts) + ")" if parts else "1 = 0"), times


def _before(now_s: int, hours: float) -> int:
    """An integer bound above every epoch idle longer than `hours` at `now_s` (one spare
    second against the rounding of fractional hours)."""
    return math.ceil(now_s - hours * 3600.0) + 1


def load_columns(
    session: Session, organisation_id: str, rules: ExceptionRules, now: datetime
) -> tuple[int, np.ndarray[Any, Any], SweepColumns]:
    """(shipments in scope, ids, sweep columns) of the not-finished or recently finished
    shipments that an enabled rule could flag. Times are the shipments' epoch-second columns
    (migration 0025), compared with integer bounds: whole seconds, as the rules judge them."""
    name = dialect(session)
    now_s = seconds(now)
    scope = f"s.organisation_id = ? AND (s.status NOT IN {_in(TERMINAL)} OR s.status_since_s >= ?)"
    since = seconds(now - timedelta(days=rules.recent_days))
    count_sql = f"SELECT COUNT(*) FROM {shipments_table(name)} WHERE {scope}"  # noqa: S608
    checked = int(fetch(session, count_sql, (organisation_id, since))[0][0])
    where, times = _candidates(rules, now_s)
    epochs = ("last_event_s", "status_since_s", "promised_s", "delivered_s")
    times_sql = ", ".join(f"COALESCE(s.{c}, -1)" for c in epochs)
    # The lane's scan gap matters only to a parcel idle longer than the stall floor: the join
    # key is computed for those alone, and the lane table is hashed on the same key.
    stall_cut = _before(now_s, rules.stalled_floor_business_hours)
    sql = (
        "WITH l AS MATERIALIZED (SELECT "  # noqa: S608
        f"{stat_lane_key(name)} AS k, gap_p95_hours FROM lane_transit_stats "
        "WHERE organisation_id = ? AND level = 'lane') "
        "SELECT s.id, s.status, COALESCE(s.sub_status, ''), COALESCE(s.dest_country, ''), "
        f"{times_sql}, s.unmapped_count, l.gap_p95_hours FROM {shipments_table(name)} "
        f"LEFT JOIN l ON l.k = CASE WHEN s.status IN {_in(MOVING)} AND s.last_event_s < ? "
        f"THEN {lane_key(name)} END WHERE {scope} AND {where}"
    )
    params = (organisation_id, stall_cut, organisation_id, since, *times)
    rows = fetch(session, sql, params)
    if not rows:
        empty_i = np.zeros(0, dtype=np.int64)
        empty_o = np.zeros(0, dtype=object)
        return checked, empty_o, SweepColumns(
            empty_o, empty_o, empty_o, empty_i, empty_i, empty_i, empty_i, empty_i,
            np.zeros(0, dtype=np.float64),
        )  # fmt: skip
    cols = columns(rows, 10)
    as_int = [np.array(c, dtype=np.int64) for c in cols[4:9]]
    gap = np.array(cols[9], dtype=np.float64)  # None becomes NaN
    return (
        checked,
        np.array(cols[0], dtype=object),
        SweepColumns(
            status=np.array(cols[1], dtype=object),
            sub_status=np.array(cols[2], dtype=object),
            dest_country=np.array(cols[3], dtype=object),
            last_event_at=as_int[0],
            status_since=as_int[1],
            promised_by=as_int[2],
            delivered_at=as_int[3],
            unmapped_count=as_int[4],
            lane_gap_p95_hours=gap,
        ),
    )


def open_exceptions(
    session: Session, organisation_id: str, shipment_ids: np.ndarray[Any, Any]
) -> OpenExceptions:
    """Every open or acknowledged exception, its shipment given as an index into `shipment_ids`."""
    sql = (
        "SELECT id, shipment_id, kind FROM tracking_exceptions "  # noqa: S608
        f"WHERE organisation_id = ? AND state IN {_in(OPEN_STATES)}"
    )
    rows = fetch(session, sql, (organisation_id,))
    if not rows:
        empty = np.zeros(0, dtype=object)
        return OpenExceptions(empty, np.zeros(0, dtype=np.int64), empty)
    ids, shipments, kinds = columns(rows, 3)
    position = {s: i for i, s in enumerate(shipment_ids.tolist())}
    index = np.fromiter(map(position.get, shipments, [-1] * len(shipments)), dtype=np.int64,
                        count=len(shipments))  # fmt: skip
    return OpenExceptions(np.array(ids, dtype=object), index, np.array(kinds, dtype=object))


def exception_counts(
    session: Session, organisation_id: str, rule: DisruptionRule, now: datetime
) -> list[tuple[str, str | None, int, int]]:
    """(carrier, country, slot, exceptions): slot 0 = opened in the window, 1 = in the baseline.

    Counted only when the parcel was still scanning shortly before the exception opened (its
    last scan no older than `recent_scan_days` before the opening)."""
    name = dialect(session)
    window_start = now - timedelta(hours=rule.window_hours)
    baseline_start = window_start - timedelta(days=rule.baseline_days)
    if name == "postgresql":
        fresh = "s.last_event_at >= e.opened_at - ? * INTERVAL '1 second'"
    else:
        fresh = "julianday(s.last_event_at) >= julianday(e.opened_at) - ? / 86400.0"
    kinds = tuple(k.value for k in rule.kinds)
    sql = (
        "SELECT s.carrier, s.dest_country, "  # noqa: S608
        "CASE WHEN e.opened_at >= ? THEN 0 ELSE 1 END AS slot, COUNT(*) "
        "FROM tracking_exceptions e JOIN shipments s ON s.id = e.shipment_id "
        f"WHERE e.organisation_id = ? AND e.kind IN {_in(kinds) if kinds else '(NULL)'} "
        f"AND e.opened_at >= ? AND s.last_event_at IS NOT NULL AND {fresh} "
        "GROUP BY 1, 2, 3"
    )
    seconds = float(rule.recent_scan_days) * 86_400.0
    start, base = param(session, window_start), param(session, baseline_start)
    rows = fetch(session, sql, (start, organisation_id, base, seconds))
    return [(c, d, int(slot), int(n)) for c, d, slot, n in rows]
