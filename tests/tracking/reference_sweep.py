"""The sweep's and the statistics' read paths as they were before the columnar rewrite (commit
67f6467): every shipment in scope loaded with the lane join, reconciled through a dict, exceptions
tallied row by row in Python, finished shipments read column by column. (The driver-level
`fetch` and `param` are the unchanged helpers of that code.) Kept here only as the
oracle of tests/tracking/test_sweep_equivalence.py. One change since (migration 0025): every
time, the scope bounds included, is judged on whole epoch seconds with the fraction dropped, on
both databases (PostgreSQL used to round the sweep's epochs and keep the statistics' fraction)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import select

from linkstar.tracking.core.exceptions import ExceptionKind, SweepColumns
from linkstar.tracking.driver_reads import fetch
from linkstar.tracking.models import Shipment, TrackingException
from linkstar.tracking.statistics import LOOKBACK_DAYS, SEP


def _epoch(column: str, dialect: str, integer: bool = True) -> str:
    if dialect == "postgresql":
        kind = "BIGINT" if integer else "DOUBLE PRECISION"
        expr = f"CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS {kind})"
        return f"COALESCE({expr}, -1)" if integer else expr
    if integer:
        return f"COALESCE(CAST(strftime('%s', {column}) AS INTEGER), -1)"
    return f"CAST(strftime('%s', {column}) AS REAL)"


def load_columns(session, organisation_id: str, recent_since: datetime):
    """Every not-finished or recently finished shipment, joined with its lane's scan gap."""
    dialect = session.connection().dialect.name
    times = ", ".join(
        _epoch(f"s.{c}", dialect)
        for c in ("last_event_at", "status_since", "promised_by", "delivered_at")
    )
    sql = (
        f"SELECT s.id, s.status, COALESCE(s.sub_status, ''), COALESCE(s.dest_country, ''), "
        f"{times}, s.unmapped_count, l.gap_p95_hours FROM shipments s "
        "LEFT JOIN lane_transit_stats l ON l.organisation_id = s.organisation_id "
        "AND l.level = 'lane' AND l.carrier = s.carrier "
        "AND l.carrier_service = COALESCE(s.carrier_service, '') "
        "AND l.origin = COALESCE(s.warehouse_id, '') AND l.dest_country = s.dest_country "
        "AND l.postcode_prefix = SUBSTR(COALESCE(s.dest_postcode, ''), 1, 3) "
        "WHERE s.organisation_id = ? AND (s.status NOT IN ('delivered', 'returned') "
        f"OR {_epoch('s.status_since', dialect)} >= ?)"
    )
    rows = fetch(session, sql, (organisation_id, math.floor(recent_since.timestamp())))
    cols = list(zip(*rows, strict=True))
    as_int = [np.array(c, dtype=np.int64) for c in cols[4:9]]
    gap = np.array([np.nan if v is None else float(v) for v in cols[9]], dtype=np.float64)
    return np.array(cols[0], dtype=object), SweepColumns(
        np.array(cols[1], dtype=object), np.array(cols[2], dtype=object),
        np.array(cols[3], dtype=object), *as_int, gap,
    )  # fmt: skip


def open_exceptions(session, organisation_id: str) -> dict[tuple[str, str], str]:
    stmt = select(
        TrackingException.shipment_id, TrackingException.kind, TrackingException.id
    ).where(
        TrackingException.organisation_id == organisation_id,
        TrackingException.state.in_(("open", "acknowledged")),
    )
    return {(s, k): i for s, k, i in session.execute(stmt)}


def reconcile(shipment_ids, masks, current, auto_resolve):
    to_open: list[tuple[int, ExceptionKind]] = []
    detected: set[tuple[str, str]] = set()
    for kind, mask in masks.items():
        for index in np.flatnonzero(mask).tolist():
            key = (str(shipment_ids[index]), kind.value)
            detected.add(key)
            if key not in current:
                to_open.append((index, kind))
    to_resolve = [i for key, i in current.items() if key not in detected and key[1] in auto_resolve]
    return to_open, sorted(to_resolve)


def exception_tally(session, organisation_id: str, rule, now: datetime) -> dict:
    """(carrier, country) → [recent exceptions, baseline exceptions], counted row by row."""
    window_start = now - timedelta(hours=rule.window_hours)
    baseline_start = window_start - timedelta(days=rule.baseline_days)
    fresh_for = timedelta(days=rule.recent_scan_days)
    stmt = (
        select(Shipment.carrier, Shipment.dest_country, TrackingException.opened_at,
               Shipment.last_event_at)
        .join(Shipment, Shipment.id == TrackingException.shipment_id)
        .where(
            TrackingException.organisation_id == organisation_id,
            TrackingException.kind.in_([k.value for k in rule.kinds]),
            TrackingException.opened_at >= baseline_start,
        )
    )  # fmt: skip
    tally: dict[tuple[str, str], list[int]] = {}
    for carrier, country, opened_at, last_event_at in session.execute(stmt):
        if last_event_at is None or last_event_at < opened_at - fresh_for:
            continue
        slot = 0 if opened_at >= window_start else 1
        for key in [(carrier, "")] + ([(carrier, country)] if country else []):
            tally.setdefault(key, [0, 0])[slot] += 1
    return tally


def read_finished(session, organisation_id: str, now: datetime):
    """(lane names, lane codes, parent names, parent of lane, transit, delivered, on time)."""
    dialect = session.connection().dialect.name
    e = lambda c: _epoch(c, dialect, integer=False)  # noqa: E731
    sql = (
        "SELECT carrier, COALESCE(carrier_service, ''), COALESCE(warehouse_id, ''), "
        "dest_country, SUBSTR(COALESCE(dest_postcode, ''), 1, 3), status, "
        f"{e('COALESCE(first_scan_at, created_at)')}, {e('delivered_at')}, {e('promised_by')} "
        "FROM shipments WHERE organisation_id = ? AND status IN ('delivered', 'returned') "
        f"AND dest_country IS NOT NULL AND {_epoch('status_since', dialect)} >= ?"
    )
    since = math.floor((now - timedelta(days=LOOKBACK_DAYS)).timestamp())
    cols = list(zip(*fetch(session, sql, (organisation_id, since)), strict=True))
    lane_keys = np.array([SEP.join(p) for p in zip(*cols[:5], strict=True)])
    lane_names, lane = np.unique(lane_keys, return_inverse=True)
    parent_keys = np.array([SEP.join(k.split(SEP)[:2] + k.split(SEP)[3:4]) for k in lane_names])
    parent_names, parent_of_lane = np.unique(parent_keys, return_inverse=True)
    start = np.array(cols[6], dtype=np.float64)
    end = np.array([np.nan if v is None else v for v in cols[7]], dtype=np.float64)
    promise = np.array([np.nan if v is None else v for v in cols[8]], dtype=np.float64)
    delivered = (np.array(cols[5]) == "delivered") & ~np.isnan(end)
    transit = np.where(delivered, np.maximum(end - start, 0.0) / 86_400, np.nan)
    on_time = np.where(np.isnan(promise), np.nan, np.where(delivered & (end <= promise), 1.0, 0.0))
    return lane_names, lane, parent_names, parent_of_lane, transit, delivered, on_time


def moving_tally(session, organisation_id: str, rules, now: datetime) -> dict:
    """(carrier, country) → [recent, baseline] moving parcels, judged shipment by shipment on the
    epoch-second columns (a parcel moves while not finished, or finished in the period, and
    scanned no longer than `recent_scan_days` before it); lanes with none left out."""
    rule = rules.disruption
    window_start = now - timedelta(hours=rule.window_hours)
    baseline_start = window_start - timedelta(days=rule.baseline_days)
    fresh_for = timedelta(days=rule.recent_scan_days)

    def s(t: datetime) -> int:
        return math.floor(t.timestamp())

    stmt = select(Shipment.carrier, Shipment.dest_country, Shipment.status,
                  Shipment.status_since_s, Shipment.first_scan_s, Shipment.last_event_s).where(
        Shipment.organisation_id == organisation_id
    )  # fmt: skip
    tally: dict[tuple[str, str | None], list[int]] = {}
    for carrier, country, status, since, first, last in session.execute(stmt):

        def alive(start: datetime, status=status, since=since) -> bool:
            return status not in ("delivered", "returned") or (
                since is not None and since >= s(start)
            )

        recent = last is not None and last >= s(now - fresh_for) and alive(window_start)
        start = first if first is not None else last
        before = (start is not None and start < s(window_start) and last is not None
                  and last >= s(baseline_start - fresh_for) and alive(baseline_start))  # fmt: skip
        if recent or before:
            pair = tally.setdefault((carrier, country), [0, 0])
            pair[0], pair[1] = pair[0] + recent, pair[1] + before
    return tally
