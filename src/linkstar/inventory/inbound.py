"""Inbound shipments: stock on its way in legs (factory → consolidation → ocean → warehouse).

Units on an inbound shipment count as `inbound` until it is received; receiving books each
line onto on_hand as a receipt entry referencing the shipment, once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from linkstar.inventory.core import LedgerKind, move
from linkstar.inventory.models import InboundLeg, InboundLine, InboundShipment
from linkstar.inventory.repository import (
    InboundLegRepository,
    InboundLineRepository,
    InboundShipmentRepository,
    SkuRepository,
)
from linkstar.inventory.schemas import InboundCreate, InboundLineRead, InboundRead, LegRead
from linkstar.inventory.service import (
    READ,
    WRITE,
    StockMove,
    apply_moves,
    known_skus,
    level_of,
    warehouse_by_code,
)
from linkstar.kit.clock import utcnow
from linkstar.kit.errors import Conflict, InvalidInput, NotFound
from linkstar.kit.pagination import Page
from linkstar.workspace import audit
from linkstar.workspace.core import Principal

IN_TRANSIT = "in_transit"
RECEIVED = "received"


def create(session: Session, actor: Principal, data: InboundCreate) -> InboundShipment:
    """Record an inbound shipment with its legs and lines; every SKU must exist."""
    actor.require(WRITE)
    site = warehouse_by_code(session, actor, data.warehouse)
    shipments = InboundShipmentRepository(session, actor.organisation_id)
    if shipments.find(reference=data.reference) is not None:
        raise Conflict(f"inbound shipment {data.reference} already exists", {"field": "reference"})
    codes = [line.sku for line in data.lines]
    if len(set(codes)) != len(codes):
        raise InvalidInput("a SKU is listed twice on the shipment", {"field": "lines"})
    skus = known_skus(session, actor, codes)
    _check_legs(data)
    shipment = shipments.add(InboundShipment(reference=data.reference, warehouse_id=site.id))
    legs = InboundLegRepository(session, actor.organisation_id)
    for i, leg in enumerate(data.legs, start=1):
        legs.add(InboundLeg(shipment_id=shipment.id, sequence=i, **leg.model_dump()))
    lines = InboundLineRepository(session, actor.organisation_id)
    for line in data.lines:
        level_of(session, actor, skus[line.sku].id, site.id)  # so the stock table shows it
        lines.add(
            InboundLine(shipment_id=shipment.id, sku_id=skus[line.sku].id, quantity=line.quantity)
        )
    audit.record(session, actor, "inbound.created", shipment, after={"reference": data.reference})
    return shipment


def _check_legs(data: InboundCreate) -> None:
    for i, leg in enumerate(data.legs, start=1):
        if leg.departed_at and leg.eta and leg.eta < leg.departed_at:
            raise InvalidInput(f"leg {i}: the ETA is before the departure", {"field": f"legs.{i}"})
        if leg.departed_at and leg.arrived_at and leg.arrived_at < leg.departed_at:
            raise InvalidInput(f"leg {i}: arrived before it departed", {"field": f"legs.{i}"})


def page(
    session: Session, actor: Principal, limit: int, cursor: str | None
) -> Page[InboundShipment]:
    actor.require(READ)
    return InboundShipmentRepository(session, actor.organisation_id).page_newest_first(
        limit, cursor
    )


def get(session: Session, actor: Principal, shipment_id: str) -> InboundShipment:
    actor.require(READ)
    return InboundShipmentRepository(session, actor.organisation_id).get(shipment_id)


def find_by_reference(session: Session, actor: Principal, reference: str) -> InboundShipment:
    actor.require(READ)
    row = InboundShipmentRepository(session, actor.organisation_id).find(reference=reference)
    if row is None:
        raise NotFound(f"no inbound shipment {reference!r}", {"field": "reference"})
    return row


def read(session: Session, actor: Principal, shipment: InboundShipment) -> InboundRead:
    """The shipment with its legs (in order) and lines."""
    org = actor.organisation_id
    legs = InboundLegRepository(session, org).list(shipment_id=shipment.id)
    lines = InboundLineRepository(session, org).list(shipment_id=shipment.id)
    codes = {s.id: s.sku for s in SkuRepository(session, org).select_ids({x.sku_id for x in lines})}
    return InboundRead(
        id=shipment.id,
        reference=shipment.reference,
        warehouse_id=shipment.warehouse_id,
        status=shipment.status,
        eta=legs[-1].eta if legs else None,
        received_at=shipment.received_at,
        legs=[LegRead.model_validate(leg) for leg in legs],
        lines=[
            InboundLineRead(
                sku=codes[x.sku_id], quantity=x.quantity, received_quantity=x.received_quantity
            )
            for x in lines
        ],
    )


def mark_leg(
    session: Session,
    actor: Principal,
    shipment_id: str,
    sequence: int,
    departed_at: datetime | None = None,
    eta: datetime | None = None,
    arrived_at: datetime | None = None,
) -> InboundLeg:
    """Record a leg's departure, new ETA or arrival."""
    actor.require(WRITE)
    shipment = get(session, actor, shipment_id)
    leg = InboundLegRepository(session, actor.organisation_id).find(
        shipment_id=shipment.id, sequence=sequence
    )
    if leg is None:
        raise InvalidInput(
            f"shipment {shipment.reference} has no leg {sequence}", {"field": "sequence"}
        )
    for name, value in (("departed_at", departed_at), ("eta", eta), ("arrived_at", arrived_at)):
        if value is not None:
            setattr(leg, name, value)
    session.flush()
    return leg


def receive(session: Session, actor: Principal, shipment_id: str) -> InboundShipment:
    """Book every line's outstanding units onto on_hand at the destination; once only."""
    actor.require(WRITE)
    shipments = InboundShipmentRepository(session, actor.organisation_id)
    shipment = shipments.get(shipment_id)
    if shipment.status == RECEIVED:
        raise Conflict(f"inbound shipment {shipment.reference} was already received")
    lines = InboundLineRepository(session, actor.organisation_id).list(shipment_id=shipment.id)
    moves = []
    for line in lines:
        outstanding = line.quantity - line.received_quantity
        if outstanding > 0:
            level = level_of(session, actor, line.sku_id, shipment.warehouse_id)
            moves.append(
                StockMove(
                    level, move(LedgerKind.receipt, outstanding), shipment.reference, "inbound"
                )
            )
            line.received_quantity = line.quantity
    apply_moves(session, actor, moves)
    now = utcnow()
    shipment.status = RECEIVED
    shipment.received_at = now
    legs = InboundLegRepository(session, actor.organisation_id).list(shipment_id=shipment.id)
    if legs and legs[-1].arrived_at is None:
        legs[-1].arrived_at = now
    session.flush()
    audit.record(session, actor, "inbound.received", shipment, after={"status": RECEIVED})
    return shipment
