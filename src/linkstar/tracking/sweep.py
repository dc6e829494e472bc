"""The exception sweep: open and resolve exceptions idempotently, suspend disrupted lanes.

On SQLite every rule but `stalled` is judged and reconciled by the database (`sweep_sql`: one
INSERT … SELECT, one UPDATE); `stalled` needs business hours per destination calendar, so its
candidates alone are read (`sweep_reads`), judged with the vectorised core and reconciled in
numpy. On PostgreSQL the whole scope is read once (`sweep_scope`: one COPY of its columns with
each shipment's open kinds), every rule judged by the vectorised core, and only the differences
written (`sweep_sql.open_pairs`, `resolve_pairs`, `open_stalled`).

Never commits. Running it twice in a row changes nothing the second time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from linkstar.db.outbox import enqueue
from linkstar.db.repository import chunks
from linkstar.kit.clock import utcnow
from linkstar.tracking import feedback
from linkstar.tracking.core.disruption import LaneCounts, disruptions
from linkstar.tracking.core.exceptions import (
    NONE,
    ExceptionKind,
    ExceptionState,
    SweepColumns,
    detect,
)
from linkstar.tracking.driver_reads import dialect, mapped, planned
from linkstar.tracking.models import (
    TrackingException,
    TrackingSuspension,
)
from linkstar.tracking.rules import DisruptionRule, ExceptionRules, load_rules
from linkstar.tracking.sweep_reads import (
    exception_counts,
    shipment_tally,
    stall_candidates,
    stalled_shipments,
)
from linkstar.tracking.sweep_scope import changes, read_differences
from linkstar.tracking.sweep_sql import (
    OPEN_STATES,
    open_by_rule,
    open_pairs,
    open_stalled,
    resolve_by_rule,
    resolve_pairs,
)

NOTIFY_JOB = "tracking.notify_exceptions"
STALLED = ExceptionKind.STALLED
# PostgreSQL settings for the sweep's statements (its transaction only; measured on 2,000,000
# shipments, docs/benchmarks.md "Exception sweep on PostgreSQL"): no JIT compilation (the
# opening INSERT's many expressions cost seconds to compile for a scan of under a second);
# random pages priced as cached ones, so the planner reads the covering indexes (index-only)
# instead of scanning the whole table four times; the open pairs hashed in memory (the
# planner, expecting millions of pairs to probe where a few hundred thousand come, sorted both
# sides by their text ids for a merge join, spilled to disk).
PLANNER = {"jit": "off", "random_page_cost": "1.1", "work_mem": "64MB", "enable_mergejoin": "off"}


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
    with mapped(session), planned(session, **PLANNER):
        return _sweep(session, organisation_id, now or utcnow())


def _sweep(session: Session, organisation_id: str, now: datetime) -> SweepReport:
    rules = load_rules(session, organisation_id)
    checked, moving = shipment_tally(session, organisation_id, rules, now)
    report = judge(session, organisation_id, rules, now)
    report.shipments_checked = checked
    if rules.disruption.enabled:
        lanes = _lane_counts(session, organisation_id, rules.disruption, now, moving)
        report.suspended = _suspend_disrupted(session, organisation_id, rules, now, lanes)
    if report.opened:
        enqueue(session, NOTIFY_JOB, {}, organisation_id=organisation_id)
    return report


def judge(
    session: Session, organisation_id: str, rules: ExceptionRules, now: datetime
) -> SweepReport:
    """Open the exceptions the rules find and resolve those whose condition ended (no alert,
    no disruption judgement, no count of the shipments checked)."""
    if dialect(session) == "postgresql":
        return _judge_postgres(session, organisation_id, rules, now)
    opened = open_by_rule(session, organisation_id, rules, now)
    stalled, resolved = _sweep_stalled(session, organisation_id, rules, now)
    opened[STALLED.value] += stalled
    return SweepReport(
        opened={kind: n for kind, n in opened.items() if n},
        resolved=resolve_by_rule(session, organisation_id, rules, now) + resolved,
    )


def _judge_postgres(
    session: Session, organisation_id: str, rules: ExceptionRules, now: datetime
) -> SweepReport:
    """`judge` on PostgreSQL: the shipments whose exceptions may change, from one walk of the
    scope (`sweep_scope`); the stall candidates among them judged in numpy."""
    found = read_differences(session, organisation_id, rules, now)
    every = rules.thresholds()
    masks = detect(
        found.columns, replace(every, enabled=every.enabled & {STALLED}), int(now.timestamp())
    )
    stalled = found.candidate & masks.get(STALLED, np.zeros(len(found.ids), dtype=bool))
    to_open, to_resolve = changes(found, stalled, rules)

    def pairs(wanted: dict[ExceptionKind, Any]) -> tuple[list[str], list[str]]:
        ids: list[str] = []
        kinds: list[str] = []
        for kind, mask in wanted.items():
            if kind is not STALLED or wanted is to_resolve:
                got = found.ids_of(mask)
                ids += got
                kinds += [kind.value] * len(got)
        return ids, kinds

    opened = open_pairs(session, organisation_id, rules, now, pairs(to_open))
    if STALLED in to_open:
        mask = to_open[STALLED]
        details = [
            (shipment_id, json.dumps(_detail(found.columns, i, STALLED)))
            for i, shipment_id in zip(
                np.flatnonzero(mask).tolist(), found.ids_of(mask), strict=True
            )
        ]
        open_stalled(session, organisation_id, rules.owner_for(STALLED), now, details)
        opened[STALLED.value] += len(details)
    return SweepReport(
        opened={kind: n for kind, n in opened.items() if n},
        resolved=resolve_pairs(session, organisation_id, now, pairs(to_resolve)),
    )


def _sweep_stalled(
    session: Session, organisation_id: str, rules: ExceptionRules, now: datetime
) -> tuple[int, int]:
    """Judge the stall candidates in numpy (business hours per destination calendar), open the
    stalled exceptions missing, resolve those no longer stalled (when auto-resolved; a parcel
    no longer a candidate is not stalled); (opened, resolved)."""
    ids, columns = stall_candidates(session, organisation_id, rules, now)
    every = rules.thresholds()
    masks = detect(columns, replace(every, enabled=every.enabled & {STALLED}), int(now.timestamp()))
    stalled = masks.get(STALLED, np.zeros(len(ids), dtype=bool))
    already = stalled_shipments(session, organisation_id)
    found = ids[stalled].tolist()
    details = [
        (shipment_id, json.dumps(_detail(columns, i, STALLED)))
        for i, shipment_id in zip(np.flatnonzero(stalled).tolist(), found, strict=True)
        if shipment_id not in already
    ]
    open_stalled(session, organisation_id, rules.owner_for(STALLED), now, details)
    resolved = 0
    if STALLED in rules.auto_resolve:
        ended = sorted(already.difference(found))
        table = TrackingException.__table__
        for part in chunks(ended):
            result: Any = session.execute(
                update(table)  # type: ignore[arg-type]
                .where(table.c.organisation_id == organisation_id, table.c.kind == STALLED.value,
                       table.c.state.in_(OPEN_STATES), table.c.shipment_id.in_(part))
                .values(state=ExceptionState.RESOLVED.value, resolved_at=now,
                        resolved_by="sweep", updated_at=now)
            )  # fmt: skip
            resolved += int(result.rowcount)
    return len(details), resolved


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
    session: Session,
    organisation_id: str,
    rule: DisruptionRule,
    now: datetime,
    moving: list[tuple[str, str | None, int, int]],
) -> list[LaneCounts]:
    """Per carrier and carrier x country: exceptions and moving parcels (`moving`, from
    `shipment_tally`), window and baseline."""
    # carrier, country → [recent exceptions, baseline exceptions, recent parcels, baseline parcels]
    tally: dict[tuple[str, str], list[int]] = {}

    def add(carrier: str, country: str | None, slot: int, count: int) -> None:
        for key in [(carrier, "")] + ([(carrier, country)] if country else []):
            tally.setdefault(key, [0, 0, 0, 0])[slot] += count

    for carrier, country, slot, count in exception_counts(session, organisation_id, rule, now):
        add(carrier, country, slot, count)
    for carrier, country, recent, before in moving:
        if recent or before:  # a lane with no parcel moving in either period adds nothing
            add(carrier, country, 2, recent)
            add(carrier, country, 3, before)
    return [LaneCounts(c, d, *counts) for (c, d), counts in sorted(tally.items())]


def _suspend_disrupted(
    session: Session,
    organisation_id: str,
    rules: ExceptionRules,
    now: datetime,
    lanes: list[LaneCounts],
) -> list[str]:
    rule = rules.disruption
    found = disruptions(lanes, rule.thresholds())
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
