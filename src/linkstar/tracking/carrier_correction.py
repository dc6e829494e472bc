"""Correcting a shipment's carrier (issue #6: "a user can correct the carrier, and the
shipment is re-fetched"). See docs/tracking.md, "Correcting the carrier".

In one transaction: the carrier (and service) change; the events told in the old carrier's
own vocabulary are normalised again with the new carrier's table and keyed as the new
carrier's (`core.correction`), so a re-fetch recognises them; the derived columns are folded
again from the events (`core.fold`); the lane id is forgotten (`lane_ids.assign` gives the new
one); the shipment's exceptions move to the new carrier and an `unmapped` one whose cause is
gone is resolved; the poll state is dropped (due now) and a poll is queued when the workspace
has an account for the new carrier; the old (carrier, number) becomes an alias of the
shipment (`aliases.remember`), so later updates naming it land here; an audit entry records
it. Never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from linkstar.db.outbox import enqueue
from linkstar.kit.clock import utcnow
from linkstar.kit.errors import Conflict, InvalidInput
from linkstar.rating.models import RateCardVersion
from linkstar.tracking import aliases
from linkstar.tracking.carrier_accounts import (
    CREDENTIAL_FIELDS,
    POLL_JOB,
    CarrierAccountRepository,
)
from linkstar.tracking.connectors.carriers import AFTERSHIP_SLUGS, SEVENTEEN_TRACK_CARRIERS
from linkstar.tracking.connectors.polling import POLL_APIS, PollPolicy
from linkstar.tracking.core.correction import Refetch, read_as, recarried
from linkstar.tracking.core.detect import FORMATS
from linkstar.tracking.core.events import TrackingEvent
from linkstar.tracking.core.exceptions import ExceptionState
from linkstar.tracking.core.fold import event_row, fold
from linkstar.tracking.core.formats_intl import POSTAL_OPERATORS
from linkstar.tracking.core.keys import fingerprint
from linkstar.tracking.event_reads import as_event
from linkstar.tracking.lane_ids import LANE_FIELDS, reset_if_changed
from linkstar.tracking.models import Shipment, TrackingEventRow, TrackingException, TrackingLane
from linkstar.tracking.poll_models import PollState
from linkstar.tracking.poll_store import open_shipments
from linkstar.tracking.shipments import ShipmentRepository
from linkstar.workspace import audit
from linkstar.workspace.core import Permission, Principal

# Carriers the hub knows by itself: pull APIs, detection formats, postal operators, and the
# carriers the aggregators' codes translate to.
BUILTIN_CARRIERS = frozenset(
    {*CREDENTIAL_FIELDS, *POLL_APIS, *SEVENTEEN_TRACK_CARRIERS.values(), *AFTERSHIP_SLUGS.values(),
     *POSTAL_OPERATORS.values(), *(f.carrier for f in FORMATS if " " not in f.carrier)}
)  # fmt: skip
_AUDITED = ("carrier", "carrier_service", "status", "sub_status", "event_count", "unmapped_count")


@dataclass(frozen=True, slots=True)
class Correction:
    """What a correction did. `refetch`: `queued` (a poll job), `no_carrier_account`, `not_open`
    (finished, or beyond the poller's age or idleness limits), `unchanged` (same carrier)."""

    shipment: Shipment
    previous_carrier: str
    events_remapped: int
    events_merged: int
    exceptions_resolved: int
    refetch: Refetch
    job_id: str | None


def known_carriers(session: Session, organisation_id: str) -> list[str]:
    """The carrier codes a shipment may be corrected to, sorted: the built-in ones and the
    carriers of the workspace's rate cards and lanes."""
    cards = select(RateCardVersion.carrier).where(
        RateCardVersion.organisation_id == organisation_id
    )
    lanes = select(TrackingLane.carrier).where(TrackingLane.organisation_id == organisation_id)
    own = {c.strip().lower() for stmt in (cards, lanes) for c in session.scalars(stmt.distinct())}
    return sorted(BUILTIN_CARRIERS | own)


def correct_carrier(
    session: Session,
    actor: Principal,
    shipment_id: str,
    carrier: str,
    service: str | None = None,
    *,
    now: datetime | None = None,
) -> Correction:
    """Correct a shipment's carrier (and service); see the module docstring."""
    actor.require(Permission.tracking_write)
    org = actor.organisation_id
    row = ShipmentRepository(session, org).get(shipment_id)
    new = carrier.strip().lower()
    if new not in known_carriers(session, org):
        raise InvalidInput(f"unknown carrier {carrier.strip()!r}", {"field": "carrier"})
    service = (service or "").strip() or None
    old = row.carrier
    if new == old and service in (None, row.carrier_service):
        return Correction(row, old, 0, 0, 0, "unchanged", None)
    if new != old:
        clash = session.scalar(
            select(Shipment.id).where(
                Shipment.organisation_id == org,
                Shipment.carrier == new,
                Shipment.tracking_number == row.tracking_number,
            )
        )
        if clash is not None:
            raise Conflict(
                f"this workspace already follows {row.tracking_number} with {new}: "
                f"shipment {clash}",
                {"shipment_id": clash},
            )
    before = {name: getattr(row, name) for name in _AUDITED}
    lane = tuple(getattr(row, name) for name in LANE_FIELDS)
    # A service of the old carrier means nothing under the new one: replaced or cleared.
    row.carrier, row.carrier_service = new, service
    reset_if_changed(row, lane)  # the next `lane_ids.assign` gives the new lane's id
    remapped = merged = resolved = 0
    refetch: Refetch = "unchanged"
    job_id = None
    if new != old:
        aliases.remember(session, row, old)  # ingestion naming the old key lands here
        remapped, merged = _recarry_events(session, row, old, new)
        now = now or utcnow()
        resolved = _settle_exceptions(session, actor, row, now)
        session.execute(delete(PollState).where(PollState.organisation_id == org,
                                                PollState.id == row.id))  # fmt: skip
        session.flush()
        refetch, job_id = _refetch(session, row, now)
    after = {name: getattr(row, name) for name in _AUDITED}
    audit.record(session, actor, "shipment.correct_carrier", row, before=before,
                 after={**after, "events_remapped": remapped, "refetch": refetch})  # fmt: skip
    session.flush()
    return Correction(row, old, remapped, merged, resolved, refetch, job_id)


def _recarry_events(session: Session, row: Shipment, old: str, new: str) -> tuple[int, int]:
    """Tell the old carrier's events as the new carrier's and fold the shipment again; a
    re-keyed event that repeats a stored one is dropped. Returns (re-mapped, dropped)."""
    t = TrackingEventRow
    rows = session.scalars(
        select(t).where(t.organisation_id == row.organisation_id, t.shipment_id == row.id)
    ).all()
    plan: list[tuple[TrackingEventRow, TrackingEvent, int]] = []
    for stored in rows:
        event = as_event(stored)
        if read_as(event.vocabulary, old):
            event = recarried(event, new)
            plan.append((stored, event, fingerprint(event)))
        else:
            plan.append((stored, event, stored.fingerprint))
    keep: dict[int, TrackingEventRow] = {}
    for stored, _event, key in sorted(plan, key=lambda p: (p[2] != p[0].fingerprint, p[0].id)):
        keep.setdefault(key, stored)  # a row already holding the key keeps it
    dropped = [stored for stored, _e, key in plan if keep[key] is not stored]
    for stored in dropped:
        session.delete(stored)
    session.flush()  # the repeats go before their keys are taken
    remapped = 0
    for stored, event, key in plan:
        if keep[key] is not stored:
            continue
        values = _event_values(event, key)
        if any(getattr(stored, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(stored, name, value)
            remapped += 1
    folded = fold(event_row(e) for stored, e, key in plan if keep[key] is stored)
    for name in ("status", "sub_status", "status_since", "last_event_at", "first_scan_at",
                 "delivered_at", "event_count", "unmapped_count"):  # fmt: skip
        setattr(row, name, getattr(folded, name))
    return remapped, len(dropped)


def _event_values(event: TrackingEvent, key: int) -> dict[str, Any]:
    return {
        "carrier": event.carrier,
        "code_source": event.code_source,
        "status": event.status.value,
        "sub_status": event.sub_status.value if event.sub_status else None,
        "rule_id": event.rule_id,
        "fingerprint": key,
    }


def _settle_exceptions(session: Session, actor: Principal, row: Shipment, now: datetime) -> int:
    """Move the shipment's exceptions to its new carrier; resolve an open `unmapped` one when
    the events now all map. Returns how many were resolved."""
    x = TrackingException
    found = session.scalars(
        select(x).where(x.organisation_id == row.organisation_id, x.shipment_id == row.id)
    ).all()
    unmapped = row.status == "unmapped" or row.unmapped_count > 0
    resolved = 0
    for exception in found:
        exception.carrier = row.carrier
        if exception.kind == "unmapped" and not unmapped and exception.state in (
            ExceptionState.OPEN.value, ExceptionState.ACKNOWLEDGED.value
        ):  # fmt: skip
            exception.state, exception.resolved_at = ExceptionState.RESOLVED.value, now
            exception.resolved_by = actor.actor_id[:40]
            resolved += 1
    return resolved


def _refetch(session: Session, row: Shipment, now: datetime) -> tuple[Refetch, str | None]:
    """Queue a poll of the workspace when it has an active account for the new carrier and
    the poller reads this shipment; else say why not."""
    api = POLL_APIS.get(row.carrier, row.carrier)
    accounts = CarrierAccountRepository(session, row.organisation_id)
    if accounts.find(carrier=api, active=True) is None:
        return "no_carrier_account", None
    if not open_shipments(session, row.organisation_id, [row.carrier], now, PollPolicy(),
                          shipment_id=row.id):  # fmt: skip
        return "not_open", None
    return "queued", enqueue(session, POLL_JOB, {}, organisation_id=row.organisation_id).id
