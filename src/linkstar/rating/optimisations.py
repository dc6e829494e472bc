"""Use cases of capacity-constrained routing: capacities, and optimised waves.

A wave is the parcels of one warehouse and ship date. Small waves are optimised inside the
request; bigger ones are queued as the `routing.optimise_wave` job, whose progress is the run's
`stage`. Each parcel's result is a routing decision record (`assigned`, `deferred` or `held`)
naming the run in its inputs. Never commits: the entry point owns the transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from linkstar.db.outbox import enqueue
from linkstar.kit.clock import utcnow
from linkstar.kit.errors import Conflict, InvalidInput
from linkstar.kit.pagination import Page
from linkstar.rating import routing
from linkstar.rating.capacity_routing import optimise_decisions
from linkstar.rating.cells import parse_money
from linkstar.rating.core.optimise.capacities import (
    CapacityRule,
    RowError,
    parse_rule,
    parse_rules,
    read_csv,
)
from linkstar.rating.optimise_models import OptimisationRun, RoutingCapacity
from linkstar.rating.optimise_repository import CapacityRepository, RunRepository
from linkstar.rating.order_files import HeldInput, order_from_row
from linkstar.workspace.core import Permission, Principal

OPTIMISE_JOB = "routing.optimise_wave"
INLINE_PARCELS = 500  # waves up to this size are optimised inside the request
MAX_CAPACITIES = 5_000


# Capacities ----------------------------------------------------------------------------------


def rule_of(row: RoutingCapacity) -> CapacityRule:
    """The stored capacity as a core rule."""
    day: date | int | None = row.day if row.day is not None else row.weekday
    return CapacityRule(row.kind, row.name, row.warehouse, day, row.max_parcels)


def _columns(rule: CapacityRule) -> dict[str, Any]:
    return {
        "kind": rule.kind,
        "name": rule.name,
        "warehouse": rule.warehouse,
        "day": rule.day if isinstance(rule.day, date) else None,
        "weekday": rule.day if isinstance(rule.day, int) else None,
        "max_parcels": rule.max_parcels,
    }


def _parse(data: Mapping[str, Any], line: int = 1) -> CapacityRule:
    rule = parse_rule(data, line)
    if isinstance(rule, list):
        raise InvalidInput(
            "; ".join(f"{e.column}: {e.reason}" for e in rule),
            {"errors": [{"field": e.column, "reason": e.reason} for e in rule]},
        )
    if len(rule.name) > 80 or len(rule.warehouse or "") > 80:
        raise InvalidInput("names are at most 80 characters")
    return rule


def capacities(session: Session, actor: Principal) -> list[RoutingCapacity]:
    """Every capacity, by kind, name, warehouse."""
    actor.require(Permission.routing_read)
    return CapacityRepository(session, actor.organisation_id).ordered()


def get_capacity(session: Session, actor: Principal, capacity_id: str) -> RoutingCapacity:
    """One capacity."""
    actor.require(Permission.routing_read)
    return CapacityRepository(session, actor.organisation_id).get(capacity_id)


def _check_unique(repo: CapacityRepository, rule: CapacityRule, own_id: str | None) -> None:
    for row in repo.ordered():
        if row.id != own_id and rule_of(row).key == rule.key:
            raise Conflict(f"the same capacity exists already ({row.id})", {"id": row.id})


def create_capacity(session: Session, actor: Principal, data: Mapping[str, Any]) -> RoutingCapacity:
    """Add a capacity (a service at a warehouse, or a carrier) for a date, weekday or every day."""
    actor.require(Permission.routing_manage)
    rule = _parse(data)
    repo = CapacityRepository(session, actor.organisation_id)
    if repo.count() >= MAX_CAPACITIES:
        raise InvalidInput(f"at most {MAX_CAPACITIES} capacities")
    _check_unique(repo, rule, None)
    return repo.add(RoutingCapacity(organisation_id=actor.organisation_id, **_columns(rule)))


def update_capacity(
    session: Session, actor: Principal, capacity_id: str, data: Mapping[str, Any]
) -> RoutingCapacity:
    """Replace a capacity's fields."""
    actor.require(Permission.routing_manage)
    repo = CapacityRepository(session, actor.organisation_id)
    row = repo.get(capacity_id)
    rule = _parse(data)
    _check_unique(repo, rule, row.id)
    for name, value in _columns(rule).items():
        setattr(row, name, value)
    session.flush()
    return row


def delete_capacity(session: Session, actor: Principal, capacity_id: str) -> None:
    """Remove a capacity."""
    actor.require(Permission.routing_manage)
    repo = CapacityRepository(session, actor.organisation_id)
    repo.delete(repo.get(capacity_id))


class CapacitiesRejected(InvalidInput):
    """A capacities file with any bad row: nothing is stored; `details.errors` names each."""

    code = "capacities_rejected"


def _reject(errors: Sequence[RowError]) -> CapacitiesRejected:
    shown = "; ".join(str(e) for e in errors[:5]) + ("; …" if len(errors) > 5 else "")
    listed = [{"line": e.line, "column": e.column, "reason": e.reason} for e in errors]
    return CapacitiesRejected(
        f"{len(errors)} problem(s), nothing stored: {shown}", {"errors": listed}
    )


def import_capacities(
    session: Session, actor: Principal, rows: Sequence[Mapping[str, Any]]
) -> list[RoutingCapacity]:
    """Store every row of a capacities file, or none: any bad row refuses the whole file.

    A row equal to a stored capacity (same service or carrier, warehouse and day) replaces its
    number; the other stored capacities stay.
    """
    actor.require(Permission.routing_manage)
    rules, errors = parse_rules(rows)
    if errors:
        raise _reject(errors)
    return _store_rules(session, actor, rules)


def import_capacities_csv(session: Session, actor: Principal, data: bytes) -> list[RoutingCapacity]:
    """`import_capacities` of an uploaded CSV file (UTF-8, the documented header)."""
    actor.require(Permission.routing_manage)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _reject([RowError(1, "file", "not a UTF-8 text file")]) from None
    rules, errors = read_csv(text)
    if errors:
        raise _reject(errors)
    if not rules:
        raise _reject([RowError(2, "file", "no capacity rows")])
    return _store_rules(session, actor, rules)


def _store_rules(
    session: Session, actor: Principal, rules: Sequence[CapacityRule]
) -> list[RoutingCapacity]:
    repo = CapacityRepository(session, actor.organisation_id)
    existing = {rule_of(r).key: r for r in repo.ordered()}
    new = sum(1 for rule in rules if rule.key not in existing)
    if repo.count() + new > MAX_CAPACITIES:
        raise InvalidInput(f"at most {MAX_CAPACITIES} capacities")
    stored: list[RoutingCapacity] = []
    for rule in rules:
        row = existing.get(rule.key)
        if row is not None:
            row.max_parcels = rule.max_parcels
        else:
            row = repo.add(RoutingCapacity(organisation_id=actor.organisation_id, **_columns(rule)))
        stored.append(row)
    session.flush()
    return stored


# Waves ---------------------------------------------------------------------------------------


def start(
    session: Session,
    actor: Principal,
    warehouse: str,
    ship_date: date,
    parcels: Sequence[Mapping[str, Any]],
    deferral_penalty: str = "5.00",
    baseline: str | None = None,
) -> OptimisationRun:
    """Create a run for a wave; optimise it now when small, else queue the job."""
    actor.require(Permission.routing_manage)
    if not parcels or len(parcels) > routing.MAX_BATCH:
        raise InvalidInput(f"1 … {routing.MAX_BATCH} parcels per wave", {"field": "parcels"})
    try:  # the currency is known only once the policy ranks; the amount's form is checked now
        parse_money(deferral_penalty.strip(), "USD")
    except ValueError as exc:
        raise InvalidInput(f"deferral_penalty: {exc}", {"field": "deferral_penalty"}) from None
    # The wave's warehouse and day are every parcel's: a wave leaves one place on one day.
    rows = [{**dict(p), "warehouse": warehouse, "ship_date": ship_date.isoformat()}
            for p in parcels]  # fmt: skip
    run = RunRepository(session, actor.organisation_id).add(
        OptimisationRun(
            organisation_id=actor.organisation_id,
            warehouse=warehouse,
            ship_date=ship_date,
            status="queued",
            stage="queued",
            parcels=len(rows),
            inputs={"parcels": rows, "deferral_penalty": deferral_penalty, "baseline": baseline},
            cost_by_carrier={},
            created_by=actor.label[:254],
        )
    )
    if len(rows) <= INLINE_PARCELS:
        execute(session, actor, run)
    else:
        enqueue(session, OPTIMISE_JOB, {"run_id": run.id}, organisation_id=actor.organisation_id)
    return run


def execute(session: Session, actor: Principal, run: OptimisationRun) -> None:
    """Optimise a queued run and store one decision record per parcel (idempotent)."""
    if run.status in ("done", "failed"):
        return
    run.status, run.stage, run.started_at = "running", "choosing", utcnow()
    session.flush()
    rows: list[dict[str, Any]] = list(run.inputs.get("parcels") or [])
    choosers = routing._Choosers(session, actor, None)
    items = [order_from_row(dict(r), line, run.ship_date) for line, r in enumerate(rows, 1)]
    decided = [i if isinstance(i, HeldInput) else choosers.on(i.parcel.ship_date).choose(i)
               for i in items]  # fmt: skip
    services = choosers.on(run.ship_date).services
    # Capacities of services or carriers without a card in force on the day do not apply.
    known = {c.service.service_id for c in services} | {c.service.carrier for c in services}
    rules = [rule_of(r) for r in CapacityRepository(session, actor.organisation_id).ordered()]
    run.stage = "optimising"
    session.flush()
    try:
        decisions, plan, currency = optimise_decisions(
            decided,
            items,
            [r for r in rules if r.name in known],
            delay_penalty=str(run.inputs.get("deferral_penalty") or "5.00"),
            service_ids=[c.service.service_id for c in services],
            carriers=[c.service.carrier for c in services],
            baseline=run.inputs.get("baseline"),
        )
    except InvalidInput as exc:
        run.status, run.stage, run.error, run.finished_at = (
            "failed",
            "failed",
            exc.message,
            utcnow(),
        )
        session.flush()
        return
    run.stage = "writing"
    records = [
        routing.record_values(actor, {**row, "optimisation_id": run.id}, d, False)
        for row, d in zip(rows, decisions, strict=True)
    ]
    routing._store(session, records)
    run.held = sum(isinstance(d, HeldInput) or d.status == "held" for d in decisions)
    if plan is not None:
        t = plan.totals
        run.solver, run.fallback_reason, run.currency = plan.solver, plan.fallback_reason, currency
        run.total, run.shipping, run.penalty = t.total, t.shipping, t.penalty
        run.assigned, run.deferred = t.assigned, t.deferred + t.unplaced_priority
        run.unplaced_priority = t.unplaced_priority
        run.saving_vs_naive = plan.saving_vs_naive
        run.baseline = None if plan.baseline is None else plan.baseline.name
        run.saving_vs_baseline = plan.saving_vs_baseline
        run.cost_by_carrier = {
            c: {"cost": v, "parcels": t.parcels_by_carrier[c]}
            for c, v in t.cost_by_carrier.items()
            if t.parcels_by_carrier[c]
        }
        run.infeasibility = None if plan.infeasibility is None else plan.infeasibility.as_json()
    run.status, run.stage, run.finished_at = "done", "done", utcnow()
    session.flush()


def runs_page(
    session: Session, actor: Principal, limit: int, cursor: str | None
) -> Page[OptimisationRun]:
    """Runs, newest first."""
    actor.require(Permission.routing_read)
    return RunRepository(session, actor.organisation_id).page_newest_first(limit, cursor)


def get_run(session: Session, actor: Principal, run_id: str) -> OptimisationRun:
    """One run."""
    actor.require(Permission.routing_read)
    return RunRepository(session, actor.organisation_id).get(run_id)


def latest_run(session: Session, actor: Principal) -> OptimisationRun | None:
    """The newest run, for the console."""
    actor.require(Permission.routing_read)
    page = RunRepository(session, actor.organisation_id).page_newest_first(1, None)
    return page.items[0] if page.items else None
