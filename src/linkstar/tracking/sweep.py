"""The exception sweep: load the shipments that can need attention in one query
(`sweep_reads`), judge them all with the vectorised core, open and resolve exceptions
idempotently, suspend disrupted lanes.

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

from linkstar.db.bulk import insert_tuples
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
from linkstar.tracking.driver_reads import mapped, seconds
from linkstar.tracking.models import (
    Shipment,
    TrackingException,
    TrackingSuspension,
)
from linkstar.tracking.rules import DisruptionRule, ExceptionRules, load_rules
from linkstar.tracking.sweep_reads import (
    TERMINAL,
    exception_counts,
    load_columns,
    open_exceptions,
)

NOTIFY_JOB = "tracking.notify_exceptions"


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


def sweep(session: Session, organisation_id: str, *, now: datetime | None = None) -> SweepReport:
    """Judge every shipment that can need attention; open, resolve, suspend; enqueue alerts."""
    with mapped(session):
        return _sweep(session, organisation_id, now or utcnow())


def _sweep(session: Session, organisation_id: str, now: datetime) -> SweepReport:
    rules = load_rules(session, organisation_id)
    checked, ids, columns = load_columns(session, organisation_id, rules, now)
    masks = detect(columns, rules.thresholds(), int(now.timestamp()))
    current = open_exceptions(session, organisation_id, ids)
    plan = reconcile(masks, current, frozenset(rules.auto_resolve))
    report = SweepReport(shipments_checked=checked)
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
    if rows:
        insert_tuples(connection, "tracking_exceptions", _EXCEPTION_COLUMNS, rows)
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


def _lane_counts(
    session: Session, organisation_id: str, rule: DisruptionRule, now: datetime
) -> list[LaneCounts]:
    """Per carrier and carrier x country: exceptions and moving parcels, window and baseline."""
    window_start = now - timedelta(hours=rule.window_hours)
    baseline_start = window_start - timedelta(days=rule.baseline_days)
    fresh_for = timedelta(days=rule.recent_scan_days)
    # carrier, country → [recent exceptions, baseline exceptions, recent parcels, baseline parcels]
    tally: dict[tuple[str, str], list[int]] = {}

    def add(carrier: str, country: str | None, slot: int, count: int = 1) -> None:
        for key in [(carrier, "")] + ([(carrier, country)] if country else []):
            tally.setdefault(key, [0, 0, 0, 0])[slot] += count

    for carrier, country, slot, count in exception_counts(session, organisation_id, rule, now):
        add(carrier, country, slot, count)
    s = Shipment
    # Whole epoch seconds against the generated columns of the covering index (migration 0025).
    window_s, baseline_s = seconds(window_start), seconds(baseline_start)
    scanned_since = seconds(now - fresh_for)
    scanned_before = seconds(baseline_start - fresh_for)
    began = func.coalesce(s.first_scan_s, s.last_event_s)
    moving_now = and_(
        s.last_event_s >= scanned_since,
        or_(s.status.not_in(TERMINAL), s.status_since_s >= window_s),
    )
    moving_before = and_(
        began < window_s,
        s.last_event_s >= scanned_before,
        or_(s.status.not_in(TERMINAL), s.status_since_s >= baseline_s),
    )
    exposure = (
        select(
            s.carrier, s.dest_country,
            func.sum(case((moving_now, 1), else_=0)),
            func.sum(case((moving_before, 1), else_=0)),
        )
        .where(s.organisation_id == organisation_id, s.last_event_s >= scanned_before)
        .group_by(s.carrier, s.dest_country)
        .with_hint(s, "INDEXED BY ix_shipments_sweep", "sqlite")  # see shipments_table
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
