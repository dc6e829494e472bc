"""The buyer's public tracking page: the shipment of a public token and its timeline in the
buyer's terms. The token look-up is unscoped on purpose (the token is the key); nothing here
takes a principal.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from linkstar.kit.errors import NotFound
from linkstar.tracking.core.derive import timeline
from linkstar.tracking.event_reads import load_events
from linkstar.tracking.models import Shipment


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
