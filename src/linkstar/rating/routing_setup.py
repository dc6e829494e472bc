"""What tracking and the order hub feed back into routing: per (service, lane) statistics and
suspensions of a carrier or service. FX is `fx_rates`, policies are `routing_policies`.

Never commits: the entry point owns the transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from linkstar.db.bulk import dialect_insert
from linkstar.kit.clock import utcnow
from linkstar.kit.errors import InvalidInput
from linkstar.kit.ids import new_id
from linkstar.rating.core.reliability import LaneStats
from linkstar.rating.core.suspension import Suspension
from linkstar.rating.models import RoutingDecision, RoutingSuspension, ServiceLaneStat
from linkstar.rating.repository import DecisionRepository, LaneStatRepository, SuspensionRepository
from linkstar.workspace import audit
from linkstar.workspace.core import Permission, Principal

# Lane statistics -----------------------------------------------------------------------------


def upsert_lane_stats(
    session: Session, organisation_id: str, rows: Sequence[Mapping[str, Any]]
) -> int:
    """Insert or replace per-(service, lane) statistics (tracking calls this); rows written.

    One `INSERT … ON CONFLICT DO UPDATE` on the lane's unique key, no ORM object: a refresh
    rewrites every lane of a workspace, and reading each stored row first cost a query and
    an object per lane. Two rows for one lane: the last one wins."""
    now = utcnow()
    values: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for row in rows:
        stats = LaneStats(  # checks the figures
            service_id=str(row["service_id"]),
            origin=str(row.get("origin") or "*"),
            dest_country=str(row["dest_country"]).upper(),
            postcode_prefix=str(row.get("postcode_prefix") or ""),
            n=int(row["n"]),
            delivered=int(row["delivered"]),
            on_time=int(row["on_time"]),
            transit_p50_days=row.get("transit_p50_days"),
            transit_p90_days=row.get("transit_p90_days"),
            transit_p95_days=row.get("transit_p95_days"),
        )
        key = (stats.service_id, stats.origin, stats.dest_country, stats.postcode_prefix)
        values[key] = {
            "id": new_id(),
            "organisation_id": organisation_id,
            "service_id": key[0],
            "origin": key[1],
            "dest_country": key[2],
            "postcode_prefix": key[3],
            "carrier": str(row.get("carrier") or ""),
            "n": stats.n,
            "delivered": stats.delivered,
            "on_time": stats.on_time,
            "transit_p50_days": stats.transit_p50_days,
            "transit_p90_days": stats.transit_p90_days,
            "transit_p95_days": stats.transit_p95_days,
            "created_at": now,
            "updated_at": now,
        }
    if values:
        session.execute(_lane_upsert(session.connection().dialect.name), list(values.values()))
    return len(rows)


_LANE_KEY = ("organisation_id", "service_id", "origin", "dest_country", "postcode_prefix")
_LANE_FIGURES = ("carrier", "n", "delivered", "on_time", "transit_p50_days",
                 "transit_p90_days", "transit_p95_days", "updated_at")  # fmt: skip


@lru_cache(maxsize=4)
def _lane_upsert(dialect: str) -> Any:
    """The lane statistics upsert in the dialect's `ON CONFLICT` form (built once)."""
    stmt = dialect_insert(ServiceLaneStat.__table__, dialect)  # type: ignore[arg-type]
    return stmt.on_conflict_do_update(
        index_elements=list(_LANE_KEY),
        set_={name: stmt.excluded[name] for name in _LANE_FIGURES},
    )


def lane_stats(session: Session, organisation_id: str) -> list[LaneStats]:
    return [
        LaneStats(
            r.service_id,
            r.origin,
            r.dest_country,
            r.postcode_prefix,
            r.n,
            r.delivered,
            r.on_time,
            r.transit_p50_days,
            r.transit_p90_days,
            r.transit_p95_days,
        )
        for r in LaneStatRepository(session, organisation_id).list()
    ]


# Suspensions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SuspensionResult:
    """A suspension and the subjects whose newest decision chose what it suspends."""

    suspension: RoutingSuspension
    affected: list[str]


def core_suspension(row: RoutingSuspension) -> Suspension:
    return Suspension(
        row.carrier,
        row.service_id,
        frozenset(row.dest_countries),
        frozenset(row.origins),
        row.starts,
        row.ends,
        row.reason,
        row.id,
    )


def suspend(
    session: Session,
    actor: Principal,
    *,
    carrier: str,
    service_id: str | None = None,
    dest_countries: Sequence[str] = (),
    origins: Sequence[str] = (),
    starts: date | None = None,
    ends: date | None = None,
    reason: str = "",
    source: str = "user",
) -> SuspensionResult:
    """Suspend a carrier or service; returns the subjects to re-route (the order hub decides
    which of them are still unshipped and calls `reroute`)."""
    actor.require(Permission.routing_manage)
    if not carrier.strip():
        raise InvalidInput("carrier is required", {"field": "carrier"})
    if starts and ends and starts > ends:
        raise InvalidInput("starts is after ends", {"field": "ends"})
    if source not in ("user", "tracking"):
        raise InvalidInput("source must be user or tracking", {"field": "source"})
    row = SuspensionRepository(session, actor.organisation_id).add(
        RoutingSuspension(
            carrier=carrier.strip(),
            service_id=(service_id or "").strip() or None,
            dest_countries=sorted({c.strip().upper() for c in dest_countries}),
            origins=sorted({o.strip() for o in origins}),
            starts=starts,
            ends=ends,
            reason=reason[:500],
            source=source,
            created_by=actor.label[:254],
        )
    )
    audit.record(
        session,
        actor,
        "routing_suspension.create",
        row,
        after={"carrier": row.carrier, "service_id": row.service_id, "reason": row.reason},
    )
    core = core_suspension(row)
    affected = [
        d.subject_ref
        for d in DecisionRepository(session, actor.organisation_id).latest_choosing(
            row.carrier, row.service_id
        )
        if _covers_decision(core, d)
    ]
    return SuspensionResult(row, sorted(affected))


def _covers_decision(suspension: Suspension, decision: RoutingDecision) -> bool:
    inputs = decision.inputs
    country = str(inputs.get("dest_country", "")).upper()
    origin = str(inputs.get("warehouse") or inputs.get("origin_country") or "")
    if suspension.dest_countries and country not in suspension.dest_countries:
        return False
    if suspension.origins and not (
        {origin, str(inputs.get("origin_country", "")).upper()} & suspension.origins
    ):
        return False
    try:
        day = date.fromisoformat(str(inputs.get("ship_date")))
    except ValueError:
        return True
    return (suspension.starts is None or suspension.starts <= day) and (
        suspension.ends is None or day <= suspension.ends
    )


def resume(session: Session, actor: Principal, suspension_id: str) -> RoutingSuspension:
    """End a suspension now; decisions already taken stay as they are."""
    actor.require(Permission.routing_manage)
    row = SuspensionRepository(session, actor.organisation_id).get(suspension_id)
    if row.resumed_at is not None:
        raise InvalidInput(f"suspension {suspension_id} was resumed already")
    row.resumed_at = utcnow()
    row.resumed_by = actor.label[:254]
    session.flush()
    audit.record(session, actor, "routing_suspension.resume", row, after={"resumed": True})
    return row


def suspensions(session: Session, actor: Principal) -> list[RoutingSuspension]:
    """Every suspension, oldest first."""
    actor.require(Permission.routing_read)
    return SuspensionRepository(session, actor.organisation_id).list()
