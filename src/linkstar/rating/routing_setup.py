"""Routing set-up: the FX table, policies and their versions, lane statistics, suspensions.

Never commits: the entry point owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from linkstar.kit.clock import utcnow
from linkstar.kit.errors import InvalidInput
from linkstar.kit.ids import new_id
from linkstar.rating.core.choose import RankedPolicy
from linkstar.rating.core.fx import FxRate, FxTable
from linkstar.rating.core.policy_format import PolicyError, parse_policy
from linkstar.rating.core.reliability import LaneStats
from linkstar.rating.core.suspension import Suspension
from linkstar.rating.models import (
    FxRateRow,
    RoutingDecision,
    RoutingPolicyVersion,
    RoutingSuspension,
    ServiceLaneStat,
)
from linkstar.rating.order_files import fx_from_rows
from linkstar.rating.repository import (
    DecisionRepository,
    FxRateRepository,
    LaneStatRepository,
    PolicyRepository,
    SuspensionRepository,
)
from linkstar.workspace import audit
from linkstar.workspace.core import Permission, Principal

DEFAULT_BASE = "USD"


class PolicyRejected(InvalidInput):
    """A policy body with problems; `details.errors` lists each with its JSON path."""

    code = "policy_rejected"

    def __init__(self, error: PolicyError) -> None:
        super().__init__(
            f"policy rejected: {error}",
            {"errors": [{"path": p, "reason": m} for p, m in error.problems]},
        )


# FX ------------------------------------------------------------------------------------------


def fx_rows(session: Session, actor: Principal) -> list[FxRateRow]:
    """The organisation's FX table."""
    actor.require(Permission.routing_read)
    return FxRateRepository(session, actor.organisation_id).table_rows()


def fx_table(session: Session, organisation_id: str) -> FxTable:
    """The FX table as the core uses it (base USD while the table is empty)."""
    rows = FxRateRepository(session, organisation_id).table_rows()
    base = rows[0].base_currency if rows else DEFAULT_BASE
    rates = [FxRate(r.currency, Decimal(r.rate_to_base), r.effective_date) for r in rows]
    return FxTable(base, rates)


def set_fx_table(
    session: Session, actor: Principal, base: str, rows: Sequence[Mapping[str, Any]]
) -> list[FxRateRow]:
    """Replace the whole FX table; a table with any bad row is refused and nothing changes."""
    actor.require(Permission.routing_manage)
    base = base.strip().upper()
    table = fx_from_rows(rows, base, "FX table")  # InvalidInput names every bad row
    repo = FxRateRepository(session, actor.organisation_id)
    before = len(repo.table_rows())
    repo.clear()
    values = []
    for row in rows:
        currency = str(row["currency"]).strip().upper()
        if currency == base:
            continue
        values.append(
            {
                "id": new_id(),
                "organisation_id": actor.organisation_id,
                "base_currency": base,
                "currency": currency,
                "rate_to_base": str(Decimal(str(row["rate_to_base"]).strip())),
                "effective_date": date.fromisoformat(str(row["effective_date"]).strip()),
                "created_at": utcnow(),
                "updated_at": utcnow(),
            }
        )
    if values:
        session.execute(insert(FxRateRow), values)
    audit.record(
        session,
        actor,
        "fx_rates.replace",
        None,
        entity_type="fx_rates",
        entity_id=actor.organisation_id,
        before={"rates": before},
        after={"base": base, "rates": len(values), "currencies": list(table.currencies)},
    )
    session.flush()
    return repo.table_rows()


# Policies ------------------------------------------------------------------------------------


def check_policy(body: Any) -> None:
    """PolicyRejected with every problem of a policy body."""
    try:
        parse_policy(body)
    except PolicyError as exc:
        raise PolicyRejected(exc) from None


def create_policy(
    session: Session, actor: Principal, body: dict[str, Any], precedence: int, enabled: bool
) -> RoutingPolicyVersion:
    """Store a new policy as version 1 (its name comes from the body)."""
    actor.require(Permission.routing_manage)
    check_policy(body)
    name = str(body["name"]).strip()
    repo = PolicyRepository(session, actor.organisation_id)
    if repo.versions(name):
        raise InvalidInput(f"a policy named {name!r} exists; add a version to it instead")
    return _store_policy(session, actor, repo, name, 1, body, precedence, enabled)


def add_policy_version(
    session: Session,
    actor: Principal,
    policy_id: str,
    body: dict[str, Any],
    precedence: int | None,
    enabled: bool | None,
) -> RoutingPolicyVersion:
    """The next version of the policy `policy_id` belongs to; older versions stay as they were."""
    actor.require(Permission.routing_manage)
    repo = PolicyRepository(session, actor.organisation_id)
    current = repo.get(policy_id)
    check_policy(body)
    if str(body["name"]).strip() != current.name:
        raise InvalidInput("a new version keeps the policy's name", {"field": "body.name"})
    latest = repo.versions(current.name)[0]
    return _store_policy(
        session,
        actor,
        repo,
        current.name,
        latest.version + 1,
        body,
        latest.precedence if precedence is None else precedence,
        latest.enabled if enabled is None else enabled,
    )


def _store_policy(
    session: Session,
    actor: Principal,
    repo: PolicyRepository,
    name: str,
    version: int,
    body: dict[str, Any],
    precedence: int,
    enabled: bool,
) -> RoutingPolicyVersion:
    row = repo.add(
        RoutingPolicyVersion(
            name=name,
            version=version,
            precedence=precedence,
            enabled=enabled,
            body=body,
            created_by=actor.label[:254],
        )
    )
    audit.record(
        session,
        actor,
        "routing_policy.version",
        row,
        after={"name": name, "version": version, "precedence": precedence, "enabled": enabled},
    )
    return row


def policies(session: Session, actor: Principal) -> list[RoutingPolicyVersion]:
    """The newest version of every policy."""
    actor.require(Permission.routing_read)
    return PolicyRepository(session, actor.organisation_id).latest_of_each()


def policy_versions(
    session: Session, actor: Principal, policy_id: str
) -> list[RoutingPolicyVersion]:
    """Every version of the policy `policy_id` belongs to, newest first."""
    actor.require(Permission.routing_read)
    repo = PolicyRepository(session, actor.organisation_id)
    return repo.versions(repo.get(policy_id).name)


def get_policy(session: Session, actor: Principal, policy_id: str) -> RoutingPolicyVersion:
    """One stored policy version."""
    actor.require(Permission.routing_read)
    return PolicyRepository(session, actor.organisation_id).get(policy_id)


def ranked_policies(rows: Iterable[RoutingPolicyVersion]) -> list[RankedPolicy]:
    return [
        RankedPolicy(parse_policy(r.body), r.id, r.version, r.precedence) for r in rows if r.enabled
    ]


# Lane statistics -----------------------------------------------------------------------------


def upsert_lane_stats(
    session: Session, organisation_id: str, rows: Sequence[Mapping[str, Any]]
) -> int:
    """Insert or replace per-(service, lane) statistics (tracking calls this); rows written."""
    repo = LaneStatRepository(session, organisation_id)
    existing = {(r.service_id, r.origin, r.dest_country, r.postcode_prefix): r for r in repo.list()}
    fresh = []
    for row in rows:
        stats = LaneStats(
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
        values = {
            "carrier": str(row.get("carrier") or ""),
            "n": stats.n,
            "delivered": stats.delivered,
            "on_time": stats.on_time,
            "transit_p50_days": stats.transit_p50_days,
            "transit_p90_days": stats.transit_p90_days,
            "transit_p95_days": stats.transit_p95_days,
            "updated_at": utcnow(),
        }
        key = (stats.service_id, stats.origin, stats.dest_country, stats.postcode_prefix)
        found = existing.get(key)
        if found is not None:
            for name, value in values.items():
                setattr(found, name, value)
            continue
        fresh.append(
            {
                "id": new_id(),
                "organisation_id": organisation_id,
                "service_id": key[0],
                "origin": key[1],
                "dest_country": key[2],
                "postcode_prefix": key[3],
                "created_at": utcnow(),
                **values,
            }
        )
    if fresh:
        session.execute(insert(ServiceLaneStat), fresh)
    session.flush()
    return len(rows)


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
