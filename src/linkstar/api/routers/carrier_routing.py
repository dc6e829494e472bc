"""Carrier routing: FX table, policies (versions, dry run), routing, decisions, suspensions."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Query

from linkstar.api.deps import DbSession
from linkstar.api.idempotency import Idempotent
from linkstar.api.pagination import Paging
from linkstar.api.routing import api_router, created, errors, needs
from linkstar.api.schemas import PageOf
from linkstar.orders.suspensions import suspend_and_reroute
from linkstar.rating import fx_rates, routing, routing_policies, routing_setup
from linkstar.rating.core.choose import Decision
from linkstar.rating.models import RoutingDecision
from linkstar.rating.order_files import HeldInput
from linkstar.rating.routing_schemas import (
    DecisionRead,
    DryRunRequest,
    FxRateRead,
    FxTablePut,
    PolicyCreate,
    PolicyRead,
    PolicyVersionCreate,
    RerouteRequest,
    RouteRequest,
    SuspensionCreate,
    SuspensionCreated,
    SuspensionRead,
)
from linkstar.workspace.core import Permission, Principal

router = api_router("routing")
READ = Permission.routing_read
MANAGE = Permission.routing_manage


def _items(rows: list[Any], model: Any) -> dict[str, Any]:
    return {"items": [model.model_validate(r) for r in rows], "next_cursor": None}


@router.get(
    "/fx-rates",
    summary="List the FX table",
    response_model=PageOf[FxRateRead],
    responses=errors(403),
)
def list_fx(session: DbSession, actor: Principal = Depends(needs(READ))) -> dict[str, Any]:
    """Every rate, by currency and date (one page)."""
    return _items(fx_rates.fx_rows(session, actor), FxRateRead)


@router.put(
    "/fx-rates",
    summary="Replace the FX table",
    description="The whole table at once: a table with any bad row is refused with 422 and "
    "every bad row named; nothing changes.",
    response_model=PageOf[FxRateRead],
    responses=errors(403, 413, 422),
)
def put_fx(
    data: FxTablePut, session: DbSession, actor: Principal = Depends(needs(MANAGE))
) -> dict[str, Any]:
    """Replace the organisation's FX table."""
    rows = [r.model_dump(mode="json") for r in data.rates]
    return _items(fx_rates.set_fx_table(session, actor, data.base_currency, rows), FxRateRead)


@router.get(
    "/routing/policies",
    summary="List routing policies",
    description="The newest version of every policy, by precedence.",
    response_model=PageOf[PolicyRead],
    responses=errors(403),
)
def list_policies(session: DbSession, actor: Principal = Depends(needs(READ))) -> dict[str, Any]:
    """The live version of each policy."""
    return _items(routing_policies.policies(session, actor), PolicyRead)


@router.post(
    "/routing/policies",
    summary="Create a routing policy",
    description="Stores version 1. A body with problems is refused with 422 "
    "`policy_rejected`; `details.errors` gives each problem's JSON path.",
    status_code=201,
    response_model=PolicyRead,
    responses={**created("Version 1 of the policy."), **errors(403, 413, 422)},
)
def create_policy(
    data: PolicyCreate,
    session: DbSession,
    idem: Idempotent,
    actor: Principal = Depends(needs(MANAGE)),
) -> PolicyRead:
    """Create a policy."""
    row = routing_policies.create_policy(session, actor, data.body, data.precedence, data.enabled)
    return PolicyRead.model_validate(row)


@router.get(
    "/routing/policies/{policy_id}",
    summary="Read a policy version",
    response_model=PolicyRead,
    responses=errors(403, 404),
)
def read_policy(
    policy_id: str, session: DbSession, actor: Principal = Depends(needs(READ))
) -> PolicyRead:
    """One stored policy version."""
    return PolicyRead.model_validate(routing_policies.get_policy(session, actor, policy_id))


@router.get(
    "/routing/policies/{policy_id}/versions",
    summary="List a policy's versions",
    response_model=PageOf[PolicyRead],
    responses=errors(403, 404),
)
def list_versions(
    policy_id: str, session: DbSession, actor: Principal = Depends(needs(READ))
) -> dict[str, Any]:
    """Every version of the policy, newest first."""
    return _items(routing_policies.policy_versions(session, actor, policy_id), PolicyRead)


@router.post(
    "/routing/policies/{policy_id}/versions",
    summary="Add a policy version",
    description="Writes the next version (the body keeps the policy's name); earlier versions "
    "stay as they were and decisions keep naming the version they used.",
    status_code=201,
    response_model=PolicyRead,
    responses={**created("The new version."), **errors(403, 404, 413, 422)},
)
def add_version(
    policy_id: str,
    data: PolicyVersionCreate,
    session: DbSession,
    idem: Idempotent,
    actor: Principal = Depends(needs(MANAGE)),
) -> PolicyRead:
    """Add a version to a policy."""
    row = routing_policies.add_policy_version(
        session, actor, policy_id, data.body, data.precedence, data.enabled
    )
    return PolicyRead.model_validate(row)


def _unsaved(decision: Decision | HeldInput, inputs: dict[str, Any]) -> DecisionRead:
    record = routing.record_values(None, inputs, decision, False)
    return DecisionRead(**{k: v for k, v in record.items() if k in DecisionRead.model_fields})


@router.post(
    "/routing/policies/dry-run",
    summary="Try a policy on parcels",
    description="Decides every parcel with the given policy body (alone) and the rate cards, "
    "FX, statistics and suspensions in force; nothing is stored.",
    response_model=PageOf[DecisionRead],
    responses=errors(403, 413, 422),
)
def dry_run(
    data: DryRunRequest, session: DbSession, actor: Principal = Depends(needs(READ))
) -> dict[str, Any]:
    """Decisions a policy would take."""
    rows = [p.model_dump() for p in data.parcels]
    found = routing.dry_run(session, actor, data.body, rows, data.ship_date)
    return {"items": [_unsaved(d, dict(r)) for r, d in found], "next_cursor": None}


@router.post(
    "/routing/route",
    summary="Route a batch of parcels",
    description="One decision record per parcel, stored in one batch. A parcel with missing "
    "or impossible fields is `held` with reason codes, never refused as a whole.",
    response_model=PageOf[DecisionRead],
    responses=errors(403, 413, 422),
)
def route(
    data: RouteRequest, session: DbSession, actor: Principal = Depends(needs(MANAGE))
) -> dict[str, Any]:
    """Route parcels and store the decisions."""
    rows = [p.model_dump() for p in data.parcels]
    return _items(routing.route(session, actor, rows, data.ship_date), DecisionRead)


@router.post(
    "/routing/reroute",
    summary="Re-route subjects",
    description="Routes the given subjects (order ids) again from their stored inputs; the new "
    "records say `fallback` when the choice moved.",
    response_model=PageOf[DecisionRead],
    responses=errors(403, 404, 413, 422),
)
def reroute(
    data: RerouteRequest, session: DbSession, actor: Principal = Depends(needs(MANAGE))
) -> dict[str, Any]:
    """Re-route subjects."""
    return _items(routing.reroute(session, actor, data.subject_refs), DecisionRead)


@router.get(
    "/routing/decisions",
    summary="List routing decisions",
    response_model=PageOf[DecisionRead],
    responses=errors(403, 422),
)
def list_decisions(
    paging: Paging,
    session: DbSession,
    actor: Principal = Depends(needs(READ)),
    status: str | None = Query(default=None, pattern="^(assigned|held)$"),
    subject_ref: str | None = Query(default=None, max_length=120),
) -> dict[str, object]:
    """A page of decisions, newest first."""
    page = routing.decisions_page(
        session, actor, paging.limit, paging.cursor, status=status, subject_ref=subject_ref
    )
    return paging.out(page, DecisionRead.model_validate)


@router.get(
    "/routing/decisions/{decision_id}",
    summary="Read a routing decision",
    response_model=DecisionRead,
    responses=errors(403, 404),
)
def read_decision(
    decision_id: str, session: DbSession, actor: Principal = Depends(needs(READ))
) -> RoutingDecision:
    """One decision record."""
    return routing.get_decision(session, actor, decision_id)


@router.get(
    "/routing/explain/{subject_id}",
    summary="Explain a subject's routing",
    description="The newest decision about an order id: every candidate with its price "
    "breakdown and score, which filter removed each rejected one and why.",
    response_model=DecisionRead,
    responses=errors(403, 404),
)
def explain(
    subject_id: str, session: DbSession, actor: Principal = Depends(needs(READ))
) -> RoutingDecision:
    """The newest decision about a subject (an order id or the parcel's order_id)."""
    return routing.explain(session, actor, subject_id)


@router.get(
    "/routing/suspensions",
    summary="List suspensions",
    response_model=PageOf[SuspensionRead],
    responses=errors(403),
)
def list_suspensions(session: DbSession, actor: Principal = Depends(needs(READ))) -> dict[str, Any]:
    """Every suspension, oldest first."""
    return _items(routing_setup.suspensions(session, actor), SuspensionRead)


@router.post(
    "/routing/suspensions",
    summary="Suspend a carrier or service",
    description="Takes the carrier (or one service) out of routing for the given lanes and "
    "dates. `affected` lists the subjects whose newest decision chose it; the unshipped "
    "orders among them are re-routed at once (a `rerouted` event with the fallback decision "
    "on each order's timeline, or a `routing` hold). Other subjects (decisions routed from "
    "files) can be re-routed with POST /routing/reroute.",
    status_code=201,
    response_model=SuspensionCreated,
    responses={**created("The suspension."), **errors(403, 413, 422)},
)
def suspend(
    data: SuspensionCreate,
    session: DbSession,
    idem: Idempotent,
    actor: Principal = Depends(needs(MANAGE)),
) -> SuspensionCreated:
    """Suspend a carrier or service."""
    result = suspend_and_reroute(session, actor, **data.model_dump())
    return SuspensionCreated(
        suspension=SuspensionRead.model_validate(result.suspension), affected=result.affected
    )


@router.post(
    "/routing/suspensions/{suspension_id}/resume",
    summary="Resume a suspended carrier or service",
    response_model=SuspensionRead,
    responses=errors(403, 404, 422),
)
def resume(
    suspension_id: str, session: DbSession, actor: Principal = Depends(needs(MANAGE))
) -> SuspensionRead:
    """End a suspension."""
    return SuspensionRead.model_validate(routing_setup.resume(session, actor, suspension_id))
