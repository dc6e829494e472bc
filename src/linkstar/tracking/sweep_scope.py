"""The exception sweep's judgement: one walk of the scope for every rule, on both databases.

The sweep used to walk the 1,000,000 unfinished entries of `ix_shipments_sweep` once for the
opening INSERT … SELECT (every rule ORed, then each shipment crossed with the 7 kinds through a
CASE and anti-joined pair by pair with the open exceptions), once more for the stall candidates
and once more for the count and exposure, and probed every open exception's shipment to resolve
(docs/benchmarks.md "Exception sweep on PostgreSQL: one walk for every rule", and "SQLite
sweep: one walk" for SQLite). Here ONE statement walks the scope once and gives, per shipment,
the kinds whose rule holds as the bits of one integer (the rules of `sweep_sql._rules`),
full-joined with the kinds it has an exception open for (the same bits, grouped once per
shipment): only the shipments where the two differ (something to open or, for an
auto-resolved kind, to resolve) and the stall candidates (with their lane's scan gap, for the
numpy judgement of `stalled`) leave the database. The count and exposure stay
`sweep_reads.shipment_tally`.

The dialects differ in three words and one lookup: `bit_or` on PostgreSQL, `SUM(DISTINCT …)` on
SQLite (exact: the bits are powers of two); `OFFSET 0` / `LIMIT -1 OFFSET 0`; the candidates'
scan gap joined by lane key on PostgreSQL, looked up by lane id in numpy on SQLite
(`sweep_reads.lane_gaps`: building a key text per candidate and probing an automatic index
with it cost half of SQLite's candidate read, measured by sqlite14).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from itertools import repeat
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from linkstar.tracking.core.exceptions import MOVING, NONE, ExceptionKind, SweepColumns
from linkstar.tracking.driver_reads import (
    columns,
    dialect,
    fetch,
    lane_key,
    seconds,
    stat_lane_key,
)
from linkstar.tracking.rules import ExceptionRules
from linkstar.tracking.sweep_reads import _before, lane_gaps
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


def _parts(name: str, rules: ExceptionRules, cut: int) -> tuple[str, str]:
    """(`o`, `u`): the open kinds per shipment, and the shipments in scope where a rule holds
    or that are stall candidates (the scope's two covering indexes walked once, index-only),
    each with its rules as bits and, for a candidate, its lane key (`lk`) and lane id."""
    postgres = name == "postgresql"
    rule_of = _rules(name)
    kinds = [k for k in dict.fromkeys(rules.enabled) if k is not STALLED]
    holds = " | ".join(f"(CASE WHEN {rule_of[k]} THEN {bit(k)} ELSE 0 END)" for k in kinds)
    stalled = STALLED in rules.enabled
    candidate = f"(s.status IN {quoted(MOVING)} AND s.last_event_s < {cut})" if stalled else "FALSE"
    picked = (
        f"s.id, {holds or '0'} AS holds, {candidate} AS candidate, s.status, s.sub_status, "
        "s.dest_country, s.last_event_s, s.carrier, s.carrier_service, s.warehouse_id, "
        "s.dest_postcode, s.lane_id"
    )
    # OFFSET 0 keeps each part a subquery of its own, so that `holds` is computed once per
    # shipment: pulled up, the planner would copy its expression into every use below.
    own = "OFFSET 0" if postgres else "LIMIT -1 OFFSET 0"
    # Most shipments hold no rule: the rules ORed (each stops at its first false term) pass
    # only those that may, and `holds` is computed for them alone.
    wanted = " OR ".join([rule_of[k] for k in kinds] + ([candidate] if stalled else []))
    parts = " UNION ALL ".join(
        f"SELECT * FROM (SELECT {picked} FROM {table} WHERE {where} "  # noqa: S608
        f"AND ({wanted or 'FALSE'}) {own}) AS p{i}"
        for i, (table, where) in enumerate(scope_parts(name, ":org", ":since"))
    )
    bits = " ".join(f"WHEN '{k.value}' THEN {bit(k)}" for k in KINDS)
    open_bits = f"bit_or(CASE kind {bits} END)"  # SQLite ORs the kinds in Python: no bit_or
    pending = (
        f"SELECT shipment_id, {open_bits} AS open FROM tracking_exceptions "  # noqa: S608
        f"WHERE organisation_id = :org AND state <> '{RESOLVED}' GROUP BY shipment_id"
    )
    # PostgreSQL joins the candidates' scan gap by lane key; SQLite looks it up by lane id
    keyed = "TRUE" if postgres else "p.lane_id IS NULL"
    scoped = (
        f"SELECT p.*, CASE WHEN p.candidate AND {keyed} THEN {lane_key(name, 'p')} END AS lk, "  # noqa: S608
        "CASE WHEN p.candidate AND p.dest_country IS NOT NULL THEN p.lane_id ELSE -1 END "
        f"AS lane FROM ({parts}) p WHERE p.holds <> 0 OR p.candidate {own}"
    )
    return pending, scoped


_PENDING = (  # the exceptions not resolved, in the order of ix_tracking_exceptions_open
    "SELECT shipment_id, CASE kind "  # noqa: S608
    + " ".join(f"WHEN '{k.value}' THEN {1 << i}" for i, k in enumerate(KINDS))
    + f" END FROM tracking_exceptions WHERE organisation_id = :org AND state <> '{RESOLVED}'"
)


def _named(sql: str) -> str:
    """`sql` with psycopg's named parameters for SQLite's."""
    return re.sub(r":(org|since|now_s|lost_hours|customs_hours)\b", r"%(\1)s", sql)


def _sql(rules: ExceptionRules, cut: int) -> str:
    """PostgreSQL's statement: `_parts` full-joined in the server (the open kinds hashed once,
    the lane gap joined to the candidates only); only the differences and the candidates
    leave it."""
    name = "postgresql"
    pending, scoped = _parts(name, rules, cut)
    auto = _mask(rules.auto_resolve)
    sql = (
        f"WITH l AS MATERIALIZED (SELECT {stat_lane_key(name)} AS k, gap_p95_hours "  # noqa: S608
        "FROM lane_transit_stats WHERE organisation_id = :org AND level = 'lane'), "
        f"o AS MATERIALIZED ({pending}), "
        # only the shipments where a rule holds, and the stall candidates, are joined: one
        # where none holds and that has exceptions open comes from `o` alone, holding none
        f"u AS ({scoped}) "
        "SELECT COALESCE(u.id, o.shipment_id), COALESCE(u.holds, 0), COALESCE(o.open, 0), "
        "COALESCE(u.candidate, FALSE), u.status, COALESCE(u.sub_status, ''), "
        "COALESCE(u.dest_country, ''), COALESCE(u.last_event_s, -1), l.gap_p95_hours "
        "FROM u LEFT JOIN l ON l.k = u.lk FULL JOIN o ON o.shipment_id = u.id "
        "WHERE (COALESCE(u.holds, 0) & ~COALESCE(o.open, 0)) <> 0 "
        f"OR (COALESCE(o.open, 0) & {auto} & ~COALESCE(u.holds, 0)) <> 0 OR u.candidate"
    )
    return _named(sql)


def read_differences(
    session: Session, organisation_id: str, rules: ExceptionRules, now: datetime
) -> Differences:
    """The shipments whose exceptions may change (see `Differences`), from one walk of the
    scope."""
    cut = _before(seconds(now), rules.stalled_floor_business_hours)
    binds = _binds(session, organisation_id, rules, now)
    if dialect(session) == "sqlite":
        return _joined_here(session, organisation_id, rules, cut, binds)
    rows = fetch(session, _sql(rules, cut), binds)
    cols = columns(rows, 9) if rows else [[] for _ in range(9)]
    return _differences(cols, np.array(cols[8], dtype=np.float64))  # None becomes NaN


def _joined_here(
    session: Session, organisation_id: str, rules: ExceptionRules, cut: int, binds: Any
) -> Differences:
    """SQLite: the two parts of PostgreSQL's statement read apart and full-joined here by a
    dictionary of the open kinds. SQLite has no hash join, and its planner built no automatic
    index on the open kinds per shipment (in a FULL JOIN, a LEFT JOIN or a correlated
    subquery of the walk): every shipment scanned them, minutes at 200,000. The candidates'
    scan gap is looked up by lane id (`lane_gaps`)."""
    _, scoped = _parts("sqlite", rules, cut)
    # the open kinds ORed here: SQLite's GROUP BY with SUM(DISTINCT) sorted twice (0.48 against
    # 0.37 s at 1,000,000, measured)
    open_of: dict[str, int] = {}
    get = open_of.get
    for shipment_id, kind_bit in fetch(session, _PENDING, binds):
        open_of[shipment_id] = get(shipment_id, 0) | kind_bit
    rows = fetch(session, (
        "SELECT id, holds, 0, candidate, status, COALESCE(sub_status, ''), "  # noqa: S608
        f"COALESCE(dest_country, ''), COALESCE(last_event_s, -1), lk, lane FROM ({scoped})"
    ), binds)  # fmt: skip
    cols = columns(rows, 10) if rows else [[] for _ in range(10)]
    cols[2] = list(map(open_of.pop, cols[0], repeat(0)))  # what is left: no rule holds
    holds, opened = np.array(cols[1], dtype=np.int64), np.array(cols[2], dtype=np.int64)
    auto = _mask(rules.auto_resolve)
    keep = ((holds & ~opened) != 0) | ((opened & auto & ~holds) != 0) | np.array(cols[3], bool)
    kept = np.flatnonzero(keep).tolist()
    cols = [[col[i] for i in kept] for col in cols]
    # a shipment with an auto-resolved kind open that holds nothing (or left the scope)
    gone = [(i, bits) for i, bits in open_of.items() if bits & auto]
    cols[0] += [i for i, _ in gone]
    cols[2] += [bits for _, bits in gone]
    blank = {1: 0, 3: False, 4: None, 5: "", 6: "", 7: -1, 8: None, 9: -1}
    for n, missing in blank.items():
        cols[n] += [missing] * len(gone)
    return _differences(cols, lane_gaps(session, organisation_id, cols[9], cols[8]))


def _differences(cols: list[list[Any]], gaps: npt.NDArray[np.float64]) -> Differences:
    none = np.full(len(cols[0]), NONE, dtype=np.int64)
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
            lane_gap_p95_hours=gaps,
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
