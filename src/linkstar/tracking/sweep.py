"""The exception sweep: load every shipment that can need attention in one query, judge them all
with the vectorised core, open and resolve exceptions idempotently, suspend disrupted lanes.

Never commits. Running it twice in a row changes nothing the second time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import numpy as np
from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from linkstar.db.outbox import enqueue
from linkstar.db.repository import chunks
from linkstar.kit.clock import as_utc, utcnow
from linkstar.tracking import feedback
from linkstar.tracking.core.disruption import LaneCounts, disruptions
from linkstar.tracking.core.exceptions import (
    NONE,
    ExceptionKind,
    ExceptionState,
    SweepColumns,
    detect,
    reconcile,
)
from linkstar.tracking.models import (
    Shipment,
    TrackingException,
    TrackingRuleSet,
    TrackingSuspension,
)
from linkstar.tracking.rules import DisruptionRule, ExceptionRules, parse_rules

NOTIFY_JOB = "tracking.notify_exceptions"
OPEN_STATES = (ExceptionState.OPEN.value, ExceptionState.ACKNOWLEDGED.value)


@dataclass(slots=True)
class SweepReport:
    """What one sweep did."""

    shipments_checked: int = 0
    opened: dict[str, int] = field(default_factory=dict)
    resolved: int = 0
    suspended: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON."""
        return {
            "shipments_checked": self.shipments_checked,
            "opened": dict(sorted(self.opened.items())),
            "resolved": self.resolved,
            "suspended": self.suspended,
        }


def load_rules(session: Session, organisation_id: str) -> ExceptionRules:
    """The workspace's rules, or the defaults when it has not set any."""
    stored = session.scalars(
        select(TrackingRuleSet).where(TrackingRuleSet.organisation_id == organisation_id)
    ).first()
    return parse_rules(stored.rules) if stored else ExceptionRules()


def _epoch(column: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"COALESCE(CAST(EXTRACT(EPOCH FROM {column}) AS BIGINT), -1)"
    return f"COALESCE(CAST(strftime('%s', {column}) AS INTEGER), -1)"


def load_columns(
    session: Session, organisation_id: str, recent_since: datetime
) -> tuple[np.ndarray[Any, Any], SweepColumns]:
    """Shipment ids and sweep columns of every not-finished or recently finished shipment."""
    connection = session.connection()
    dialect = connection.dialect.name
    times = ", ".join(
        _epoch(f"s.{c}", dialect)
        for c in ("last_event_at", "status_since", "promised_by", "delivered_at")
    )
    mark = "%s" if dialect == "postgresql" else "?"
    sql = (
        f"SELECT s.id, s.status, COALESCE(s.sub_status, ''), COALESCE(s.dest_country, ''), "  # noqa: S608
        f"{times}, s.unmapped_count, l.gap_p95_hours FROM shipments s "
        "LEFT JOIN lane_transit_stats l ON l.organisation_id = s.organisation_id "
        "AND l.level = 'lane' AND l.carrier = s.carrier "
        "AND l.carrier_service = COALESCE(s.carrier_service, '') "
        "AND l.origin = COALESCE(s.warehouse_id, '') AND l.dest_country = s.dest_country "
        "AND l.postcode_prefix = SUBSTR(COALESCE(s.dest_postcode, ''), 1, 3) "
        f"WHERE s.organisation_id = {mark} AND (s.status NOT IN ('delivered', 'returned') "
        f"OR s.status_since >= {mark})"
    )
    raw = connection.connection.driver_connection
    cursor = raw.cursor()  # type: ignore[union-attr]
    try:
        since: Any = recent_since
        if dialect != "postgresql":
            since = recent_since.isoformat(" ", "microseconds")[:26]
        cursor.execute(sql, (organisation_id, since))
        rows = cursor.fetchall()
    finally:
        cursor.close()
    if not rows:
        empty_i = np.zeros(0, dtype=np.int64)
        empty_o = np.zeros(0, dtype=object)
        return empty_o, SweepColumns(
            empty_o, empty_o, empty_o, empty_i, empty_i, empty_i, empty_i, empty_i,
            np.zeros(0, dtype=np.float64),
        )  # fmt: skip
    cols = list(zip(*rows, strict=True))
    ids = np.array(cols[0], dtype=object)
    as_int = [np.array(c, dtype=np.int64) for c in cols[4:9]]
    gap = np.array([np.nan if v is None else float(v) for v in cols[9]], dtype=np.float64)
    return ids, SweepColumns(
        status=np.array(cols[1], dtype=object),
        sub_status=np.array(cols[2], dtype=object),
        dest_country=np.array(cols[3], dtype=object),
        last_event_at=as_int[0],
        status_since=as_int[1],
        promised_by=as_int[2],
        delivered_at=as_int[3],
        unmapped_count=as_int[4],
        lane_gap_p95_hours=gap,
    )


def open_exceptions(session: Session, organisation_id: str) -> dict[tuple[str, str], str]:
    """(shipment id, kind) → id of every open or acknowledged exception."""
    stmt = select(
        TrackingException.shipment_id, TrackingException.kind, TrackingException.id
    ).where(
        TrackingException.organisation_id == organisation_id,
        TrackingException.state.in_(OPEN_STATES),
    )
    return {(s, k): i for s, k, i in session.execute(stmt)}


def sweep(session: Session, organisation_id: str, *, now: datetime | None = None) -> SweepReport:
    """Judge every shipment that can need attention; open, resolve, suspend; enqueue alerts."""
    now = now or utcnow()
    rules = load_rules(session, organisation_id)
    ids, columns = load_columns(session, organisation_id, now - timedelta(days=rules.recent_days))
    masks = detect(columns, rules.thresholds(), int(now.timestamp()))
    plan = reconcile(
        ids, masks, open_exceptions(session, organisation_id), frozenset(rules.auto_resolve)
    )
    report = SweepReport(shipments_checked=len(columns))
    connection = session.connection()
    as_text = connection.dialect.name == "sqlite"
    stamp: Any = as_utc(now).isoformat(" ", "microseconds")[:26] if as_text else now
    rows = []
    for index, kind in plan.to_open:
        rows.append(
            (
                uuid4().hex,
                organisation_id,
                str(ids[index]),
                kind.value,
                ExceptionState.OPEN.value,
                rules.owner_for(kind),
                stamp,
                json.dumps(_detail(columns, index, kind)),
                stamp,
                stamp,
            )
        )
        report.opened[kind.value] = report.opened.get(kind.value, 0) + 1
    _insert_exceptions(connection, rows, as_text)
    table = TrackingException.__table__
    for part in chunks(plan.to_resolve):
        connection.execute(
            update(table)  # type: ignore[arg-type]
            .where(table.c.organisation_id == organisation_id, table.c.id.in_(part))
            .values(state=ExceptionState.RESOLVED.value, resolved_at=now, resolved_by="sweep",
                    updated_at=now)
        )  # fmt: skip
    report.resolved = len(plan.to_resolve)
    if rules.disruption.enabled:
        report.suspended = _suspend_disrupted(session, organisation_id, rules, now)
    if rows:
        enqueue(session, NOTIFY_JOB, {}, organisation_id=organisation_id)
    return report


_EXCEPTION_COLUMNS = ("id", "organisation_id", "shipment_id", "kind", "state", "owner_user_id",
                      "opened_at", "detail", "created_at", "updated_at")  # fmt: skip


def _insert_exceptions(connection: Any, rows: list[tuple[Any, ...]], as_text: bool) -> None:
    """Plain tuples through the driver: SQLAlchemy's per-row processing (times, JSON) cost
    more than the insert itself when a first sweep opens hundreds of thousands."""
    if not rows:
        return
    mark = "?" if as_text else "%s"
    sql = (
        f"INSERT INTO tracking_exceptions ({', '.join(_EXCEPTION_COLUMNS)}) "  # noqa: S608
        f"VALUES ({', '.join([mark] * len(_EXCEPTION_COLUMNS))})"
    )
    cursor = connection.connection.driver_connection.cursor()
    try:
        for part in chunks(rows, 50_000):
            cursor.executemany(sql, part)
    finally:
        cursor.close()


def _detail(columns: SweepColumns, index: int, kind: ExceptionKind) -> dict[str, Any]:
    """What the console shows beside an exception: the facts the rule looked at."""
    detail: dict[str, Any] = {"status": str(columns.status[index])}
    if columns.sub_status[index]:
        detail["sub_status"] = str(columns.sub_status[index])
    last = int(columns.last_event_at[index])
    if last != NONE:
        detail["last_event_at"] = datetime.fromtimestamp(last, UTC).isoformat()
    gap = float(columns.lane_gap_p95_hours[index])
    if kind is ExceptionKind.STALLED and not np.isnan(gap):
        detail["lane_gap_p95_hours"] = round(gap, 1)
    return detail


TERMINAL = ("delivered", "returned")


def _lane_counts(
    session: Session, organisation_id: str, rule: DisruptionRule, now: datetime
) -> list[LaneCounts]:
    """Per carrier and carrier x country: exceptions and moving parcels, window and baseline."""
    window_start = now - timedelta(hours=rule.window_hours)
    baseline_start = window_start - timedelta(days=rule.baseline_days)
    fresh_for = timedelta(days=rule.recent_scan_days)
    kinds = [k.value for k in rule.kinds]
    stmt = (
        select(
            Shipment.carrier, Shipment.dest_country, TrackingException.opened_at,
            Shipment.last_event_at,
        )
        .join(Shipment, Shipment.id == TrackingException.shipment_id)
        .where(
            TrackingException.organisation_id == organisation_id,
            TrackingException.kind.in_(kinds),
            TrackingException.opened_at >= baseline_start,
        )
    )  # fmt: skip
    # carrier, country → [recent exceptions, baseline exceptions, recent parcels, baseline parcels]
    tally: dict[tuple[str, str], list[int]] = {}

    def add(carrier: str, country: str | None, slot: int, count: int = 1) -> None:
        for key in [(carrier, "")] + ([(carrier, country)] if country else []):
            tally.setdefault(key, [0, 0, 0, 0])[slot] += count

    for carrier, country, opened_at, last_event_at in session.execute(stmt):
        # Counted when the parcel was still scanning shortly before the exception opened.
        if last_event_at is None or last_event_at < opened_at - fresh_for:
            continue
        add(carrier, country, 0 if opened_at >= window_start else 1)
    s = Shipment
    began = func.coalesce(s.first_scan_at, s.last_event_at)
    moving_now = and_(
        s.last_event_at >= now - fresh_for,
        or_(s.status.not_in(TERMINAL), s.status_since >= window_start),
    )
    moving_before = and_(
        began < window_start,
        s.last_event_at >= baseline_start - fresh_for,
        or_(s.status.not_in(TERMINAL), s.status_since >= baseline_start),
    )
    exposure = (
        select(
            s.carrier, s.dest_country,
            func.sum(case((moving_now, 1), else_=0)),
            func.sum(case((moving_before, 1), else_=0)),
        )
        .where(s.organisation_id == organisation_id, s.last_event_at >= baseline_start - fresh_for)
        .group_by(s.carrier, s.dest_country)
    )  # fmt: skip
    for carrier, country, recent, before in session.execute(exposure):
        add(carrier, country, 2, int(recent or 0))
        add(carrier, country, 3, int(before or 0))
    return [LaneCounts(c, d, *counts) for (c, d), counts in sorted(tally.items())]


def _suspend_disrupted(
    session: Session, organisation_id: str, rules: ExceptionRules, now: datetime
) -> list[str]:
    rule = rules.disruption
    found = disruptions(_lane_counts(session, organisation_id, rule, now), rule.thresholds())
    if not found:
        return []
    active = {
        (s.carrier, s.dest_country): s
        for s in session.scalars(
            select(TrackingSuspension).where(
                TrackingSuspension.organisation_id == organisation_id,
                TrackingSuspension.until > now,
            )
        )
    }
    until = now + timedelta(hours=rule.suspend_hours)
    names = []
    fresh: list[TrackingSuspension] = []
    for d in found:
        detail = {
            "recent": d.recent,
            "expected": round(d.expected, 2),
            "shipments": d.shipments,
            "p_value": float(f"{d.p_value:.3g}"),
        }
        current = active.get((d.carrier, d.dest_country))
        if current is not None:
            current.until, current.reason, current.detail = until, d.reason, detail
        else:
            fresh.append(
                TrackingSuspension(
                    organisation_id=organisation_id,
                    carrier=d.carrier,
                    dest_country=d.dest_country,
                    origin="",
                    reason=d.reason,
                    since=now,
                    until=until,
                    detail=detail,
                )
            )
        names.append(f"{d.carrier}/{d.dest_country or '*'}")
    session.add_all(fresh)
    session.flush()
    # A new disruption also takes the carrier out of routing and re-routes its open orders.
    feedback.suspend_for_routing(session, organisation_id, fresh)
    return names
