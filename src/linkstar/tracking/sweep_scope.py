"""The exception sweep's judgement on PostgreSQL: one walk of the scope for every rule.

PostgreSQL used to walk the 1,000,000 unfinished entries of `ix_shipments_sweep` once for the
opening INSERT … SELECT (every rule ORed, then each shipment crossed with the 7 kinds through a
CASE and anti-joined pair by pair with the open exceptions), once more for the stall candidates
and once more for the count and exposure, and probed every open exception's shipment to resolve
(docs/benchmarks.md "Exception sweep on PostgreSQL: one walk for every rule"). Here ONE
statement walks the scope once and gives, per shipment, the kinds whose rule holds as the bits
of one integer (the rules of `sweep_sql._rules`, unchanged), full-joined with the kinds it has an
exception open for (the same bits, one hash of the open exceptions per shipment): only the
shipments where the two differ (something to open or, for an auto-resolved kind, to resolve)
and the stall candidates (with their lane's scan gap, for the numpy judgement of `stalled`)
leave the server. The count and exposure stay `sweep_reads.shipment_tally`.

SQLite keeps `sweep_sql.open_by_rule`/`resolve_by_rule` and `sweep_reads.stall_candidates`
(measured within the budget; its reads are in-process).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from linkstar.tracking.core.exceptions import MOVING, NONE, ExceptionKind, SweepColumns
from linkstar.tracking.driver_reads import columns, fetch, lane_key, seconds, stat_lane_key
from linkstar.tracking.rules import ExceptionRules
from linkstar.tracking.sweep_reads import _before
from linkstar.tracking.sweep_sql import RESOLVED, _binds, _rules, quoted, scope_parts

KINDS = tuple(ExceptionKind)  # kind KINDS[i] is bit i of a shipment's kinds
STALLED = ExceptionKind.STALLED
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Differences:
    """The shipments whose exceptions may change: where the kinds whose rule holds (`holds`,
    every enabled kind but stalled) and the kinds open or acknowledged (`open`) differ, and
    the stall candidates (`candidate`); `columns` holds what the stalled rule and its detail
    read (the others NONE)."""

    ids: npt.NDArray[np.object_]
    holds: Ints
    open: Ints
    candidate: npt.NDArray[np.bool_]
    columns: SweepColumns

    def ids_of(self, mask: npt.NDArray[np.bool_]) -> list[str]:
        return [str(v) for v in self.ids[mask].tolist()]


def bit(kind: ExceptionKind) -> int:
    return 1 << KINDS.index(kind)


def _mask(kinds: list[ExceptionKind]) -> int:
    return sum(bit(k) for k in dict.fromkeys(kinds))


def _sql(rules: ExceptionRules, cut: int) -> str:
    """The statement (named driver parameters): the scope's two covering indexes walked once
    (index-only), each shipment's rules as bits, the open kinds per shipment hashed once, the
    lane gap joined to the stall candidates only."""
    name = "postgresql"
    rule_of = _rules(name)
    kinds = [k for k in dict.fromkeys(rules.enabled) if k is not STALLED]
    holds = " | ".join(f"(CASE WHEN {rule_of[k]} THEN {bit(k)} ELSE 0 END)" for k in kinds)
    stalled = STALLED in rules.enabled
    candidate = f"(s.status IN {quoted(MOVING)} AND s.last_event_s < {cut})" if stalled else "FALSE"
    picked = (
        f"s.id, {holds or '0'} AS holds, {candidate} AS candidate, s.status, s.sub_status, "
        "s.dest_country, s.last_event_s, s.carrier, s.carrier_service, s.warehouse_id, "
        "s.dest_postcode"
    )
    # OFFSET 0 keeps each part a subquery of its own, so that `holds` is computed once per
    # shipment: pulled up, the planner would copy its expression into every use below.
    parts = " UNION ALL ".join(
        f"(SELECT {picked} FROM {table} WHERE {where} OFFSET 0)"  # noqa: S608
        for table, where in scope_parts(name, "%(org)s", "%(since)s")
    )
    bits = " ".join(f"WHEN '{k.value}' THEN {bit(k)}" for k in KINDS)
    auto = _mask(rules.auto_resolve)
    sql = (
        f"WITH l AS MATERIALIZED (SELECT {stat_lane_key(name)} AS k, gap_p95_hours "  # noqa: S608
        "FROM lane_transit_stats WHERE organisation_id = %(org)s AND level = 'lane'), "
        f"o AS MATERIALIZED (SELECT shipment_id, bit_or(CASE kind {bits} END) AS open "
        f"FROM tracking_exceptions WHERE organisation_id = %(org)s AND state <> '{RESOLVED}' "
        "GROUP BY shipment_id), "
        # only the shipments where a rule holds, and the stall candidates, are joined: one
        # where none holds and that has exceptions open comes from `o` alone, holding none
        f"u AS (SELECT p.*, CASE WHEN p.candidate THEN {lane_key(name, 'p')} END AS lk "
        f"FROM ({parts}) p WHERE p.holds <> 0 OR p.candidate OFFSET 0) "
        "SELECT COALESCE(u.id, o.shipment_id), COALESCE(u.holds, 0), COALESCE(o.open, 0), "
        "COALESCE(u.candidate, FALSE), u.status, COALESCE(u.sub_status, ''), "
        "COALESCE(u.dest_country, ''), COALESCE(u.last_event_s, -1), l.gap_p95_hours "
        "FROM u LEFT JOIN l ON l.k = u.lk FULL JOIN o ON o.shipment_id = u.id "
        "WHERE (COALESCE(u.holds, 0) & ~COALESCE(o.open, 0)) <> 0 "
        f"OR (COALESCE(o.open, 0) & {auto} & ~COALESCE(u.holds, 0)) <> 0 OR u.candidate"
    )
    for param in ("now_s", "lost_hours", "customs_hours"):  # `_rules` names them :param
        sql = sql.replace(f":{param}", f"%({param})s")
    return sql


def read_differences(
    session: Session, organisation_id: str, rules: ExceptionRules, now: datetime
) -> Differences:
    """The shipments whose exceptions may change (see `Differences`), in one statement."""
    cut = _before(seconds(now), rules.stalled_floor_business_hours)
    binds = _binds(session, organisation_id, rules, now)
    rows = fetch(session, _sql(rules, cut), binds)
    cols = columns(rows, 9) if rows else [[] for _ in range(9)]
    none = np.full(len(rows), NONE, dtype=np.int64)
    return Differences(
        ids=np.array(cols[0], dtype=object),
        holds=np.array(cols[1], dtype=np.int64),
        open=np.array(cols[2], dtype=np.int64),
        candidate=np.array(cols[3], dtype=bool),
        columns=SweepColumns(
            status=np.array(cols[4], dtype=object),
            sub_status=np.array(cols[5], dtype=object),
            dest_country=np.array(cols[6], dtype=object),
            last_event_at=np.array(cols[7], dtype=np.int64),
            status_since=none,
            promised_by=none,
            delivered_at=none,
            unmapped_count=none,
            lane_gap_p95_hours=np.array(cols[8], dtype=np.float64),  # None becomes NaN
        ),
    )


def changes(
    found: Differences, stalled: npt.NDArray[np.bool_], rules: ExceptionRules
) -> tuple[dict[ExceptionKind, npt.NDArray[np.bool_]], dict[ExceptionKind, npt.NDArray[np.bool_]]]:
    """(to open, to resolve) per kind as masks over `found`, `stalled` being the numpy
    judgement of the stall candidates: an enabled rule that holds where no exception of its
    kind is open; an open exception of an auto-resolved kind whose rule does not hold."""
    holds = found.holds | np.where(stalled, bit(STALLED), 0)
    to_open = {k: (holds & ~found.open & bit(k)) != 0 for k in dict.fromkeys(rules.enabled)}
    resolving = {k: (found.open & ~holds & bit(k)) != 0 for k in dict.fromkeys(rules.auto_resolve)}
    return to_open, resolving
