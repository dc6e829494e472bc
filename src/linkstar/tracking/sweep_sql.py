"""The exception sweep's writes, set-based: every rule but `stalled` is judged, opened and
resolved by the database in two statements on SQLite, so a sweep that changes nothing moves no
shipment into Python (PostgreSQL judges every rule in one walk, `sweep_scope`, and writes the
pairs it found with `open_pairs` and `resolve_pairs` below).

- open: one INSERT … SELECT over the shipments in scope (`scope_parts`: the unfinished ones from
  the covering index `ix_shipments_sweep`, the recently finished from `ix_shipments_finished`)
  x the enabled kinds, of each (shipment, kind) whose rule holds and that has NOT EXISTS an open
  or acknowledged exception of that kind (probe: `ix_tracking_exceptions_open`);
- resolve: one UPDATE of the open or acknowledged exceptions of the auto-resolved kinds whose
  rule NOT EXISTS any more for their shipment in scope (a disabled rule holds nowhere).

Each rule's SQL is the vectorised rule of `core.exceptions.detect` (the specification, held to
this SQL by tests/tracking/test_sweep_equivalence.py) on the shipments' epoch-second columns
(migration 0025) with the same arithmetic: integer differences, divided as doubles. Every new
exception records the lane it was opened on and the parcel's last scan then (migration 0028),
copied from its shipment by the same statement; `open_stalled` does the same for the stalled
parcels judged in numpy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from linkstar.db.repository import chunks
from linkstar.tracking.core.exceptions import MOVING, ExceptionKind, ExceptionState
from linkstar.tracking.driver_reads import dialect, param, seconds, shipments_table
from linkstar.tracking.models import FINISHED_INDEX, FINISHED_STATUSES
from linkstar.tracking.rules import ExceptionRules

OPEN_STATES = ("open", "acknowledged")
# An open or acknowledged exception is one not resolved (the three states of ExceptionState):
# the probe for one seeks the index once, where `IN OPEN_STATES` seeks it once per state.
RESOLVED = ExceptionState.RESOLVED.value
TERMINAL = FINISHED_STATUSES
BY_SQL = tuple(k for k in ExceptionKind if k is not ExceptionKind.STALLED)
_INSERTED = ("id", "organisation_id", "shipment_id", "kind", "state", "owner_user_id",
             "opened_at", "detail", "created_at", "updated_at", "carrier", "dest_country",
             "last_scan_at")  # fmt: skip
# The lane and the last scan at opening, from the shipment `s` (migration 0028).
_FROM_SHIPMENT = "s.carrier, s.dest_country, s.last_event_at"


def quoted(values: Iterable[str]) -> str:
    """A SQL list of fixed, known words (statuses, kinds): never user input."""
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


UNFINISHED = f"s.status NOT IN {quoted(TERMINAL)}"  # the WHERE of ix_shipments_sweep


def scope(org: str = ":org", since: str = ":since") -> str:
    """The shipments `s` the sweep checks: the organisation's not finished, or finished since
    `since` (epoch seconds); the two placeholders as the statement names them."""
    return f"s.organisation_id = {org} AND {unfinished_since(since)}"


def unfinished_since(since: str) -> str:
    """SQL true for a shipment `s` not finished, or finished at or after `since`."""
    return f"({UNFINISHED} OR s.status_since_s >= {since})"


def scope_parts(
    name: str, org: str = ":org", since: str = ":since"
) -> tuple[tuple[str, str], tuple[str, str]]:
    """`scope` as two disjoint parts (shipments table `s`, WHERE), each read from its partial
    covering index (migration 0031): the unfinished shipments, and those finished at or after
    `since`. A statement over the scope is their UNION ALL; neither walks the shipments
    finished before `since`."""
    return (
        (shipments_table(name), f"s.organisation_id = {org} AND {UNFINISHED}"),
        (
            shipments_table(name, FINISHED_INDEX),
            f"s.organisation_id = {org} AND s.status IN {quoted(TERMINAL)} "
            f"AND s.status_since_s >= {since}",
        ),
    )


def _hours_since(column: str, name: str) -> str:
    real = "DOUBLE PRECISION" if name == "postgresql" else "REAL"
    return f"CAST(:now_s - s.{column} AS {real}) / 3600"


def _rules(name: str) -> dict[ExceptionKind, str]:
    """Each kind's rule over the shipment `s`, as `detect` judges it."""
    moving = f"s.status IN {quoted(MOVING)}"
    return {
        ExceptionKind.LOST: f"({moving} AND s.last_event_s IS NOT NULL "
        f"AND {_hours_since('last_event_s', name)} > :lost_hours)",
        ExceptionKind.CUSTOMS_HOLD: "(s.sub_status IN ('customs_hold', "
        f"'customs_information_required') AND s.status NOT IN {quoted(TERMINAL)} "
        f"AND s.status_since_s IS NOT NULL AND {_hours_since('status_since_s', name)} "
        "> :customs_hours)",
        ExceptionKind.FAILED_ATTEMPT: "s.status = 'failed_attempt'",
        ExceptionKind.ADDRESS_ISSUE: "(s.sub_status IN ('address_issue', 'recipient_moved') "
        "AND s.status <> 'delivered')",
        ExceptionKind.RETURN_TO_SENDER: "s.status IN ('returning_to_sender', 'returned')",
        ExceptionKind.LATE: "(s.promised_s IS NOT NULL AND ((s.delivered_s IS NOT NULL "
        "AND s.delivered_s > s.promised_s) OR (s.delivered_s IS NULL "
        f"AND {moving} AND :now_s > s.promised_s)))",
        ExceptionKind.UNMAPPED: "(s.unmapped_count > 0 OR s.status = 'unmapped')",
    }


def _holds(kinds: Sequence[ExceptionKind], kind_column: str, name: str) -> str:
    """SQL true when the rule of the row's kind (`kind_column`) holds; false for other kinds."""
    rules = _rules(name)
    whens = " ".join(f"WHEN '{k.value}' THEN {rules[k]}" for k in kinds)
    return f"(CASE {kind_column} {whens} ELSE FALSE END)" if kinds else "FALSE"


def _binds(
    session: Session, organisation_id: str, rules: ExceptionRules, now: datetime
) -> dict[str, Any]:
    return {
        "org": organisation_id,
        "since": seconds(now - timedelta(days=rules.recent_days)),
        "now_s": int(now.timestamp()),
        "lost_hours": rules.lost_days * 24.0,
        "customs_hours": rules.customs_hold_hours,
        "stamp": param(session, now),
    }


def _detail(name: str) -> str:
    """The facts the rule looked at, as `sweep._detail` writes them (keys without a value
    left out)."""
    if name == "postgresql":
        last = (
            "to_char(to_timestamp(s.last_event_s) AT TIME ZONE 'UTC', "
            '\'YYYY-MM-DD"T"HH24:MI:SS"+00:00"\')'
        )
        build, strip = "json_build_object", "json_strip_nulls"
        return (
            f"{strip}({build}('status', s.status, 'sub_status', NULLIF(s.sub_status, ''), "
            f"'last_event_at', {last}))"
        )
    last = "strftime('%Y-%m-%dT%H:%M:%S+00:00', s.last_event_s, 'unixepoch')"
    return (  # a merge patch drops the members whose value is null
        "json_patch('{}', json_object('status', s.status, 'sub_status', "
        f"NULLIF(s.sub_status, ''), 'last_event_at', {last}))"
    )


def _new_id(name: str) -> str:
    if name == "postgresql":
        return "replace(CAST(gen_random_uuid() AS TEXT), '-', '')"
    return "lower(hex(randomblob(16)))"


def open_by_rule(
    session: Session, organisation_id: str, rules: ExceptionRules, now: datetime
) -> Counter[str]:
    """Open an exception for each (shipment in scope, enabled kind but stalled) whose rule holds
    and that has none open or acknowledged; how many of each kind. SQLite's way (PostgreSQL
    judges from one walk, `sweep_scope`, and writes with `open_pairs`)."""
    kinds = [k for k in dict.fromkeys(rules.enabled) if k is not ExceptionKind.STALLED]
    if not kinds:
        return Counter()
    name = dialect(session)
    binds = _binds(session, organisation_id, rules, now)
    values = []
    for i, kind in enumerate(kinds):
        values.append(f"(:kind{i}, :owner{i})")
        binds[f"kind{i}"], binds[f"owner{i}"] = kind.value, rules.owner_for(kind)
    any_rule = " OR ".join(_rules(name)[k] for k in kinds)
    open_pairs = (
        "SELECT e.shipment_id, e.kind FROM tracking_exceptions e "  # noqa: S608
        f"WHERE e.organisation_id = :org AND e.state <> '{RESOLVED}' "
        f"AND e.kind IN {quoted(k.value for k in kinds)}"
    )
    # one seek of ix_tracking_exceptions_open per (shipment, kind)
    probe = f"{open_pairs} AND e.shipment_id = s.id AND e.kind = k.kind"
    selects = (
        f"SELECT {_new_id(name)}, s.organisation_id, s.id, k.kind, 'open', k.owner, "  # noqa: S608
        f":stamp, {_detail(name)}, :stamp, :stamp, {_FROM_SHIPMENT} "
        f"FROM {table} CROSS JOIN k WHERE {where} AND ({any_rule}) "
        f"AND {_holds(kinds, 'k.kind', name)} AND NOT EXISTS ({probe})"
        for table, where in scope_parts(name)
    )
    sql = (
        f"WITH k(kind, owner) AS (VALUES {', '.join(values)}) "
        f"INSERT INTO tracking_exceptions ({', '.join(_INSERTED)}) "
        f"{' UNION ALL '.join(selects)} RETURNING kind"
    )
    return Counter(session.execute(text(sql), binds).scalars())


def resolve_by_rule(
    session: Session, organisation_id: str, rules: ExceptionRules, now: datetime
) -> int:
    """Resolve the open or acknowledged exceptions of the auto-resolved kinds but stalled whose
    rule no longer holds for their shipment (or whose shipment left the scope); how many."""
    auto = [k for k in dict.fromkeys(rules.auto_resolve) if k is not ExceptionKind.STALLED]
    if not auto:
        return 0
    name = dialect(session)
    enabled = [k for k in BY_SQL if k in rules.enabled]
    sql = (
        "UPDATE tracking_exceptions SET state = 'resolved', resolved_at = :stamp, "  # noqa: S608
        "resolved_by = 'sweep', updated_at = :stamp WHERE organisation_id = :org "
        f"AND state IN {quoted(OPEN_STATES)} AND kind IN {quoted(k.value for k in auto)} "
        "AND NOT EXISTS (SELECT 1 FROM shipments s WHERE s.id = tracking_exceptions.shipment_id "
        f"AND {scope()} AND {_holds(enabled, 'tracking_exceptions.kind', name)})"
    )
    result: Any = session.execute(text(sql), _binds(session, organisation_id, rules, now))
    return int(result.rowcount)


def open_stalled(
    session: Session,
    organisation_id: str,
    owner: str | None,
    now: datetime,
    opened: list[tuple[str, str]],
) -> None:
    """Open a stalled exception for each (shipment id, detail JSON) of `opened`, its lane and
    last scan copied from the shipment."""
    name = dialect(session)
    detail = "CAST(v.detail AS JSON)" if name == "postgresql" else "v.detail"
    for part in chunks(opened, 1_000):
        values = ", ".join(f"(:i{n}, :d{n})" for n in range(len(part)))
        binds: dict[str, Any] = {"org": organisation_id, "owner": owner,
                                 "stamp": param(session, now)}  # fmt: skip
        for n, (shipment_id, text_detail) in enumerate(part):
            binds[f"i{n}"], binds[f"d{n}"] = shipment_id, text_detail
        sql = (
            f"WITH v(shipment_id, detail) AS (VALUES {values}) "  # noqa: S608
            f"INSERT INTO tracking_exceptions ({', '.join(_INSERTED)}) "
            f"SELECT {_new_id(name)}, s.organisation_id, s.id, 'stalled', 'open', :owner, "
            f":stamp, {detail}, :stamp, :stamp, {_FROM_SHIPMENT} "
            "FROM v JOIN shipments s ON s.id = v.shipment_id AND s.organisation_id = :org"
        )
        session.execute(text(sql), binds)


def open_pairs(
    session: Session,
    organisation_id: str,
    rules: ExceptionRules,
    now: datetime,
    pairs: tuple[list[str], list[str]],
) -> Counter[str]:
    """PostgreSQL: open an exception for each (shipment id, kind) of `pairs` (judged in numpy,
    `sweep_scope`), detail, lane and last scan from its shipment as `open_by_rule` writes
    them; how many of each kind."""
    ids, kinds = pairs
    if not ids:
        return Counter()
    name = "postgresql"
    binds: dict[str, Any] = {"org": organisation_id, "stamp": now, "ids": ids, "kinds": kinds}
    values = []
    for i, kind in enumerate(dict.fromkeys(kinds)):
        values.append(f"(:kind{i}, :owner{i})")
        binds[f"kind{i}"], binds[f"owner{i}"] = kind, rules.owner_for(ExceptionKind(kind))
    sql = (
        f"WITH k(kind, owner) AS (VALUES {', '.join(values)}) "  # noqa: S608
        f"INSERT INTO tracking_exceptions ({', '.join(_INSERTED)}) "
        f"SELECT {_new_id(name)}, s.organisation_id, s.id, v.kind, 'open', k.owner, :stamp, "
        f"{_detail(name)}, :stamp, :stamp, {_FROM_SHIPMENT} "
        "FROM unnest(CAST(:ids AS TEXT[]), CAST(:kinds AS TEXT[])) AS v(id, kind) "
        "JOIN k ON k.kind = v.kind "
        "JOIN shipments s ON s.id = v.id AND s.organisation_id = :org RETURNING kind"
    )
    return Counter(session.execute(text(sql), binds).scalars())


def resolve_pairs(
    session: Session, organisation_id: str, now: datetime, pairs: tuple[list[str], list[str]]
) -> int:
    """PostgreSQL: resolve the open or acknowledged exceptions of each (shipment id, kind) of
    `pairs` (judged in numpy, `sweep_scope`); how many."""
    ids, kinds = pairs
    if not ids:
        return 0
    sql = (
        "UPDATE tracking_exceptions e SET state = 'resolved', resolved_at = :stamp, "  # noqa: S608
        "resolved_by = 'sweep', updated_at = :stamp "
        "FROM unnest(CAST(:ids AS TEXT[]), CAST(:kinds AS TEXT[])) AS v(id, kind) "
        f"WHERE e.organisation_id = :org AND e.state IN {quoted(OPEN_STATES)} "
        "AND e.shipment_id = v.id AND e.kind = v.kind"
    )
    binds = {"org": organisation_id, "stamp": now, "ids": ids, "kinds": kinds}
    result: Any = session.execute(text(sql), binds)
    return int(result.rowcount)
