"""Use cases of the tracking hub behind the API, the console and the CLI.

Every function takes the acting principal, checks its permission and scopes every query to its
organisation. Never commits: the entry point owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from linkstar.db.repository import Repository
from linkstar.kit.clock import utcnow
from linkstar.kit.crypto import SecretBox, mask
from linkstar.kit.errors import InvalidInput, NotFound
from linkstar.kit.pagination import Page
from linkstar.tracking.core.derive import timeline
from linkstar.tracking.core.detect import best_carrier, detect_carriers
from linkstar.tracking.core.events import event_from_raw
from linkstar.tracking.core.exceptions import ExceptionState
from linkstar.tracking.core.numbers import normalise_tracking_number
from linkstar.tracking.core.updates import TrackingUpdate
from linkstar.tracking.core.vocabulary import STATUS_RANK, Status
from linkstar.tracking.event_reads import load_events
from linkstar.tracking.ingest import IngestReport, Rejected, ingest
from linkstar.tracking.models import (
    LaneTransitStat,
    NotificationTarget,
    Shipment,
    TrackingEventRow,
    TrackingException,
    TrackingRuleSet,
    TrackingSuspension,
)
from linkstar.tracking.notify import check_url
from linkstar.tracking.rules import ExceptionRules, parse_rules
from linkstar.tracking.schemas import EventBatch, ShipmentCreate, UpdateIn
from linkstar.workspace import audit
from linkstar.workspace.core import Permission, Principal

READ = Permission.tracking_read
WRITE = Permission.tracking_write
STATUSES = (
    "pending", "info_received", "in_transit", "out_for_delivery", "failed_attempt",
    "available_for_pickup", "delivered", "exception", "returning_to_sender", "returned",
    "expired", "unmapped",
)  # fmt: skip


class ShipmentRepository(Repository[Shipment]):
    model = Shipment

    def filtered(self, status: str | None, carrier: str | None, q: str | None) -> Select[Any]:
        """Shipments matching the list filters (q: tracking number or order reference prefix)."""
        stmt = self.select()
        if status:
            stmt = stmt.where(Shipment.status == status)
        if carrier:
            stmt = stmt.where(Shipment.carrier == carrier)
        if q:
            number = normalise_tracking_number(q) or q
            stmt = stmt.where(
                or_(
                    Shipment.tracking_number.startswith(number, autoescape=True),
                    Shipment.order_ref.startswith(q.strip(), autoescape=True),
                )
            )
        return stmt

    def list_by_ids(self, ids: Sequence[str]) -> list[Shipment]:
        """This organisation's shipments among `ids` (others' ids are silently absent)."""
        wanted = sorted(set(ids))
        out: list[Shipment] = []
        for start in range(0, len(wanted), 900):
            part = wanted[start : start + 900]
            out.extend(self.session.scalars(self.select().where(Shipment.id.in_(part))))
        return out


class _Filtered(ShipmentRepository):
    """A repository whose base select already carries the list filters (for keyset paging)."""

    def __init__(self, session: Session, organisation_id: str, stmt: Select[Any]) -> None:
        super().__init__(session, organisation_id)
        self._stmt = stmt

    def select(self) -> Select[Any]:
        return self._stmt


class ExceptionRepository(Repository[TrackingException]):
    model = TrackingException
    order_column = "opened_at"


def shipments_page(
    session: Session,
    actor: Principal,
    limit: int,
    cursor: str | None = None,
    *,
    status: str | None = None,
    carrier: str | None = None,
    q: str | None = None,
) -> Page[Shipment]:
    """A page of shipments, newest first, filtered by status, carrier and a search prefix."""
    actor.require(READ)
    if status and status not in STATUSES:
        raise InvalidInput(f"unknown status {status!r}", {"field": "status"})
    repo = ShipmentRepository(session, actor.organisation_id)
    stmt = repo.filtered(status, carrier.lower() if carrier else None, q)
    return _Filtered(session, actor.organisation_id, stmt).page_newest_first(limit, cursor)


def status_counts(session: Session, actor: Principal) -> dict[str, int]:
    """How many shipments are in each status (for the list's filter tabs)."""
    actor.require(READ)
    stmt = (
        select(Shipment.status, func.count())
        .where(Shipment.organisation_id == actor.organisation_id)
        .group_by(Shipment.status)
    )
    return {status: int(n) for status, n in session.execute(stmt)}


def get_shipment(session: Session, actor: Principal, shipment_id: str) -> Shipment:
    """One shipment of the actor's organisation (NotFound for others)."""
    actor.require(READ)
    return ShipmentRepository(session, actor.organisation_id).get(shipment_id)


def stored_events(session: Session, shipment_id: str) -> list[TrackingEventRow]:
    """The stored events of one (already authorised) shipment in timeline order: event time,
    then lifecycle rank (`core.derive` rule 2), then arrival."""
    rows = session.scalars(
        select(TrackingEventRow).where(TrackingEventRow.shipment_id == shipment_id)
    )
    return sorted(rows, key=lambda r: (r.event_time, STATUS_RANK[Status(r.status)], r.id))


def shipment_eta(session: Session, shipment: Shipment) -> dict[str, Any] | None:
    """Estimated delivery of an in-flight shipment: first scan + its lane's shrunk p50 and p90
    (falling back to the carrier-country row), with the lane's confidence; None when finished
    or when there is no history to go on."""
    if shipment.status in ("delivered", "returned") or not shipment.dest_country:
        return None
    start = shipment.first_scan_at or shipment.created_at
    s = LaneTransitStat
    base = select(s).where(
        s.organisation_id == shipment.organisation_id,
        s.carrier == shipment.carrier,
        s.carrier_service == (shipment.carrier_service or ""),
        s.dest_country == shipment.dest_country,
    )
    lane = session.scalars(
        base.where(
            s.level == "lane",
            s.origin == (shipment.warehouse_id or ""),
            s.postcode_prefix == (shipment.dest_postcode or "")[:3],
        )
    ).first()
    row = lane or session.scalars(base.where(s.level == "country")).first()
    if row is None:
        return None
    return {
        "p50": start + timedelta(days=row.p50_days),
        "p90": start + timedelta(days=row.p90_days),
        "confidence": row.confidence if lane is not None else 0.0,
        "basis": "lane" if lane is not None else "carrier and country",
    }


def shipment_exceptions(session: Session, actor: Principal, shipment_id: str) -> list[Any]:
    """Every exception of one shipment, newest first."""
    actor.require(READ)
    stmt = (
        ExceptionRepository(session, actor.organisation_id)
        .select()
        .where(TrackingException.shipment_id == shipment_id)
        .order_by(TrackingException.opened_at.desc())
    )
    return list(session.scalars(stmt))


def register_shipments(
    session: Session, actor: Principal, items: Sequence[ShipmentCreate]
) -> list[Shipment]:
    """Create shipments (or update the order facts of known ones); detect missing carriers.

    All or nothing: one undetectable carrier rejects the batch with every problem listed.
    """
    actor.require(WRITE)
    problems = []
    resolved: list[tuple[ShipmentCreate, str, str]] = []
    for index, item in enumerate(items):
        number = normalise_tracking_number(item.tracking_number)
        carrier = (item.carrier or "").strip().lower()
        if not carrier:
            found = best_carrier(number)
            if found is None:
                problems.append(
                    {
                        "index": str(index),
                        "tracking_number": item.tracking_number,
                        "reason": "carrier not given and not recognisable from the number",
                    }
                )
                continue
            carrier = found.carrier
        if not number:
            problems.append(
                {"index": str(index), "tracking_number": item.tracking_number,
                 "reason": "not a tracking number"}
            )  # fmt: skip
            continue
        resolved.append((item, carrier, number))
    if problems:
        raise InvalidInput(
            f"{len(problems)} shipment(s) rejected: {problems[0]['reason']}",
            {"errors": problems},
        )
    numbers = sorted({n for _, _, n in resolved})
    existing = {
        (s.carrier, s.tracking_number): s
        for s in session.scalars(
            select(Shipment).where(
                Shipment.organisation_id == actor.organisation_id,
                Shipment.tracking_number.in_(numbers),
            )
        )
    }
    out = []
    for item, carrier, number in resolved:
        row = existing.get((carrier, number))
        if row is None:
            row = Shipment(
                organisation_id=actor.organisation_id,
                tracking_number=number,
                carrier=carrier,
                source="api",
                status="pending",
            )
            session.add(row)
            existing[(carrier, number)] = row
        for name in (
            "carrier_service", "order_ref", "warehouse_id", "dest_country", "dest_postcode",
            "promised_by",
        ):  # fmt: skip
            value = getattr(item, name)
            if value is not None:
                setattr(row, name, value)
        out.append(row)
    session.flush()
    return out


def updates_from_json(items: Sequence[UpdateIn]) -> tuple[list[TrackingUpdate], list[Rejected]]:
    """Normalise JSON updates into core updates; a bad update is rejected alone with its reason."""
    updates, rejected = [], []
    for item in items:
        try:
            carrier = item.carrier or (best_carrier(item.tracking_number) or _NoCarrier).carrier
            events = tuple(
                event_from_raw(
                    carrier=e.carrier or carrier,
                    event_time=e.event_time,
                    raw_code=e.raw_code,
                    raw_description=e.raw_description,
                    code_source=e.code_source,
                    location=e.location,
                    city=e.city,
                    state=e.state,
                    postcode=e.postcode,
                    country=e.country,
                )
                for e in item.events
            )
            updates.append(
                TrackingUpdate(
                    tracking_number=item.tracking_number,
                    carrier=item.carrier,
                    events=events,
                    source=item.source,
                    carrier_service=item.carrier_service,
                    promised_by=item.promised_by,
                )
            )
        except ValueError as exc:
            rejected.append(Rejected(item.tracking_number, item.source, str(exc)))
    return updates, rejected


class _NoCarrier:
    carrier = ""


def ingest_batch(session: Session, actor: Principal, batch: EventBatch) -> IngestReport:
    """Ingest a JSON batch of updates for the actor's organisation."""
    actor.require(WRITE)
    updates, rejected = updates_from_json(batch.updates)
    report = ingest(session, actor.organisation_id, updates)
    report.rejected[:0] = rejected
    report.updates = len(batch.updates)
    return report


def detect(number: str) -> list[dict[str, Any]]:
    """Ranked carrier candidates of a tracking number."""
    return [
        {
            "carrier": c.carrier,
            "format": c.format_id,
            "confidence": c.confidence,
            "check_digit": c.check_digit.value,
            "reason": c.reason,
            "service": c.service,
        }
        for c in detect_carriers(number)
    ]


def exceptions_page(
    session: Session,
    actor: Principal,
    limit: int,
    cursor: str | None = None,
    *,
    state: str | None = None,
    kind: str | None = None,
) -> Page[TrackingException]:
    """The exceptions queue, newest first."""
    actor.require(READ)
    filters: dict[str, Any] = {}
    if state:
        if state not in {s.value for s in ExceptionState}:
            raise InvalidInput(f"unknown state {state!r}", {"field": "state"})
        filters["state"] = state
    if kind:
        filters["kind"] = kind
    repo = ExceptionRepository(session, actor.organisation_id)
    return repo.page_newest_first(limit, cursor, **filters)


@dataclass(frozen=True, slots=True)
class ActionResult:
    changed: int
    skipped: list[dict[str, str]]


_ALLOWED = {
    "acknowledge": {ExceptionState.OPEN.value},
    "resolve": {ExceptionState.OPEN.value, ExceptionState.ACKNOWLEDGED.value},
    "assign": {ExceptionState.OPEN.value, ExceptionState.ACKNOWLEDGED.value},
}


def act_on_exceptions(
    session: Session,
    actor: Principal,
    ids: Sequence[str],
    action: str,
    owner_user_id: str | None = None,
) -> ActionResult:
    """Acknowledge, resolve or assign many exceptions; ones in the wrong state are skipped."""
    actor.require(WRITE)
    if action not in _ALLOWED:
        raise InvalidInput(f"unknown action {action!r}", {"field": "action"})
    wanted = list(dict.fromkeys(ids))
    rows = {
        r.id: r
        for r in session.scalars(
            ExceptionRepository(session, actor.organisation_id)
            .select()
            .where(TrackingException.id.in_(wanted))
        )
    }
    now = utcnow()
    skipped, changed = [], 0
    for exception_id in wanted:
        row = rows.get(exception_id)
        if row is None:
            skipped.append({"id": exception_id, "reason": "not found"})
            continue
        if row.state not in _ALLOWED[action]:
            skipped.append({"id": exception_id, "reason": f"already {row.state}"})
            continue
        before = {"state": row.state, "owner_user_id": row.owner_user_id}
        if action == "acknowledge":
            row.state, row.acknowledged_at = ExceptionState.ACKNOWLEDGED.value, now
            row.owner_user_id = row.owner_user_id or actor.actor_id
        elif action == "resolve":
            row.state, row.resolved_at = ExceptionState.RESOLVED.value, now
            row.resolved_by = actor.actor_id[:40]
        else:
            row.owner_user_id = owner_user_id
        audit.record(
            session, actor, f"tracking_exception.{action}", row, before=before,
            after={"state": row.state, "owner_user_id": row.owner_user_id},
        )  # fmt: skip
        changed += 1
    session.flush()
    return ActionResult(changed, skipped)


def active_suspensions(session: Session, actor: Principal) -> list[TrackingSuspension]:
    """Carriers and lanes currently suspended for routing after a disruption."""
    actor.require(READ)
    stmt = select(TrackingSuspension).where(
        TrackingSuspension.organisation_id == actor.organisation_id,
        TrackingSuspension.until > utcnow(),
    )
    return list(session.scalars(stmt.order_by(TrackingSuspension.since.desc())))


def get_rules(session: Session, actor: Principal) -> ExceptionRules:
    """The workspace's exception rules (defaults until it sets its own)."""
    actor.require(READ)
    row = session.scalars(
        select(TrackingRuleSet).where(TrackingRuleSet.organisation_id == actor.organisation_id)
    ).first()
    return parse_rules(row.rules) if row else ExceptionRules()


def set_rules(session: Session, actor: Principal, data: dict[str, Any]) -> ExceptionRules:
    """Validate and store new rules as the next version."""
    actor.require(WRITE)
    rules = parse_rules(data)
    row = session.scalars(
        select(TrackingRuleSet).where(TrackingRuleSet.organisation_id == actor.organisation_id)
    ).first()
    stored = rules.model_dump(mode="json")
    if row is None:
        row = TrackingRuleSet(
            organisation_id=actor.organisation_id, version=1, rules=stored, updated_by=actor.label
        )
        session.add(row)
        before: dict[str, Any] = {}
    else:
        before = {"rules": row.rules, "version": row.version}
        row.rules, row.version, row.updated_by = stored, row.version + 1, actor.label[:254]
    session.flush()
    audit.record(session, actor, "tracking_rules.update", row, before=before,
                 after={"rules": stored, "version": row.version})  # fmt: skip
    return rules


def add_notification_target(
    session: Session, actor: Principal, box: SecretBox, name: str, url: str, kinds: list[str]
) -> NotificationTarget:
    """Store an Apprise URL (encrypted) to alert on new exceptions."""
    actor.require(WRITE)
    check_url(url)
    row = NotificationTarget(
        organisation_id=actor.organisation_id,
        name=name,
        sealed_url=box.seal({"url": url}),
        kinds=list(kinds),
        active=True,
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "tracking_notification_target.create", row,
                 after={"name": name, "kinds": list(kinds)})  # fmt: skip
    return row


def notification_targets(session: Session, actor: Principal) -> list[NotificationTarget]:
    """The workspace's alert targets, oldest first."""
    actor.require(READ)
    stmt = select(NotificationTarget).where(
        NotificationTarget.organisation_id == actor.organisation_id
    )
    return list(session.scalars(stmt.order_by(NotificationTarget.created_at)))


def target_view(row: NotificationTarget, box: SecretBox) -> dict[str, Any]:
    """A target as shown to users: the URL masked."""
    return {
        "id": row.id,
        "name": row.name,
        "url_masked": mask(box.open(row.sealed_url)["url"]),
        "kinds": list(row.kinds),
        "active": row.active,
    }


def shipment_by_token(session: Session, token: str) -> Shipment:
    """The shipment of a public tracking token (unscoped on purpose: the token is the key)."""
    if not token or len(token) > 64:
        raise NotFound("no such tracking page")
    row = session.scalars(select(Shipment).where(Shipment.public_token == token)).first()
    if row is None:
        raise NotFound("no such tracking page")
    return row


def public_timeline(session: Session, shipment: Shipment) -> list[dict[str, Any]]:
    """What the buyer sees: time, normalised status and place, never raw codes or our notes."""
    events = load_events(session, [shipment.id]).get(shipment.id, [])
    out = []
    for event in reversed(timeline(events)):
        place = ", ".join(p for p in (event.city, event.state, event.country) if p)
        out.append(
            {
                "at": event.event_time,
                "status": event.status.value,
                "sub_status": event.sub_status.value if event.sub_status else None,
                "description": event.raw_description,
                "place": place or (event.location or ""),
            }
        )
    return out


def parse_time(value: str, field: str) -> datetime:
    """An ISO 8601 time with an offset, or a 422 naming the field."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{field} must be an ISO 8601 time", {"field": field}) from None
    if parsed.tzinfo is None:
        raise InvalidInput(f"{field} needs a UTC offset", {"field": field})
    return parsed
