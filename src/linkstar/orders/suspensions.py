"""A carrier or service suspension, followed through to the orders that had chosen it.

rating.routing_setup.suspend stores the suspension and names the subjects whose newest decision
chose what it suspends; the order hub re-routes those that are orders and not shipped yet, so
each such order's timeline shows its new decision (`rerouted`, fallback true) or a `routing`
hold. Used by the API, the CLI and the tracking disruption sweep (source "tracking").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from linkstar.orders.flow import StepReport, orders_choosing, reroute_orders
from linkstar.rating import routing_setup
from linkstar.rating.models import RoutingSuspension
from linkstar.workspace.core import Principal


@dataclass(frozen=True)
class SuspendOutcome:
    suspension: RoutingSuspension
    affected: list[str]
    rerouted: StepReport


def suspend_and_reroute(
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
) -> SuspendOutcome:
    """Suspend, then re-route the unshipped orders whose decision chose the suspended service."""
    result = routing_setup.suspend(
        session,
        actor,
        carrier=carrier,
        service_id=service_id,
        dest_countries=dest_countries,
        origins=origins,
        starts=starts,
        ends=ends,
        reason=reason,
        source=source,
    )
    orders = orders_choosing(session, actor.organisation_id, result.affected)
    report = reroute_orders(session, actor, orders)
    return SuspendOutcome(result.suspension, result.affected, report)
