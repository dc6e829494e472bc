"""The seller's shipments: register them (detecting missing carriers), list, count and read
them, with their stored events and their estimated delivery.

Every function that takes the acting principal checks its permission and scopes every query to
its organisation. Never commits: the entry point owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from linkstar.db.repository import Repository
from linkstar.kit.errors import InvalidInput, NotFound
from linkstar.kit.pagination import Page
from linkstar.tracking.aliases import aliased_shipments
from linkstar.tracking.core.detect import best_carrier
from linkstar.tracking.core.numbers import normalise_tracking_number
from linkstar.tracking.core.vocabulary import STATUS_RANK, Status
from linkstar.tracking.lane_ids import LANE_FIELDS, reset_if_changed
from linkstar.tracking.models import LaneTransitStat, Shipment, TrackingEventRow
from linkstar.tracking.schemas import ShipmentCreate
from linkstar.workspace.core import Permission, Principal

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
    actor.require(Permission.tracking_read)
    if status and status not in STATUSES:
        raise InvalidInput(f"unknown status {status!r}", {"field": "status"})
    repo = ShipmentRepository(session, actor.organisation_id)
    stmt = repo.filtered(status, carrier.lower() if carrier else None, q)
    return _Filtered(session, actor.organisation_id, stmt).page_newest_first(limit, cursor)


def status_counts(session: Session, actor: Principal) -> dict[str, int]:
    """How many shipments are in each status (for the list's filter tabs)."""
    actor.require(Permission.tracking_read)
    stmt = (
        select(Shipment.status, func.count())
        .where(Shipment.organisation_id == actor.organisation_id)
        .group_by(Shipment.status)
    )
    return {status: int(n) for status, n in session.execute(stmt)}


def get_shipment(session: Session, actor: Principal, shipment_id: str) -> Shipment:
    """One shipment of the actor's organisation (NotFound for others)."""
    actor.require(Permission.tracking_read)
    return ShipmentRepository(session, actor.organisation_id).get(shipment_id)


def find_shipment(session: Session, actor: Principal, number_or_id: str) -> Shipment:
    """One shipment of the actor's organisation by its id, else by its tracking number
    (NotFound; InvalidInput when the number is followed under several carriers)."""
    actor.require(Permission.tracking_read)
    repo = ShipmentRepository(session, actor.organisation_id)
    by_id = repo.find(id=number_or_id.strip())
    if by_id is not None:
        return by_id
    number = normalise_tracking_number(number_or_id)
    found = repo.list(tracking_number=number) if number else []
    if len(found) > 1:
        ids = ", ".join(f"{s.id} ({s.carrier})" for s in found)
        raise InvalidInput(f"{number} is followed under several carriers: name one of {ids}")
    if not found:
        raise NotFound(f"no shipment {number_or_id.strip()!r}")
    return found[0]


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


def register_shipments(
    session: Session, actor: Principal, items: Sequence[ShipmentCreate]
) -> list[Shipment]:
    """Create shipments (or update the order facts of known ones); detect missing carriers.

    All or nothing: one undetectable carrier rejects the batch with every problem listed.
    A (carrier, number) left by a carrier correction is the corrected shipment's (its alias):
    that shipment is returned and gets the order facts, except the old carrier's service.
    """
    actor.require(Permission.tracking_write)
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
    by_id = {s.id: s for s in existing.values()}
    missing = [(c, n) for _, c, n in resolved if (c, n) not in existing]
    aliased = aliased_shipments(session, actor.organisation_id, missing)
    out = []
    for item, carrier, number in resolved:
        row = existing.get((carrier, number))
        if row is None and (carrier, number) in aliased:
            # a corrected shipment's old key: the shipment under its current carrier
            row = by_id.get(aliased[(carrier, number)])
        alias = row is not None and row.carrier != carrier
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
        before = tuple(getattr(row, name) for name in LANE_FIELDS)
        for name in (
            "carrier_service", "order_ref", "warehouse_id", "dest_country", "dest_postcode",
            "promised_by",
        ):  # fmt: skip
            value = getattr(item, name)
            if value is not None and not (alias and name == "carrier_service"):
                setattr(row, name, value)
        reset_if_changed(row, before)  # a corrected lane is assigned again (lane_ids.assign)
        out.append(row)
    session.flush()
    return out
