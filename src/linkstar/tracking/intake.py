"""What comes in from the API and the CLI: carrier updates sent as JSON, normalised into core
updates and ingested (a bad update is rejected alone), and the carrier candidates of a number.

Never commits: the entry point owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from linkstar.tracking.core.detect import best_carrier, detect_carriers, unrecognised
from linkstar.tracking.core.events import event_from_raw
from linkstar.tracking.core.updates import TrackingUpdate
from linkstar.tracking.ingest import IngestReport, Rejected, ingest
from linkstar.tracking.schemas import EventBatch, UpdateIn
from linkstar.workspace.core import Permission, Principal


def updates_from_json(items: Sequence[UpdateIn]) -> tuple[list[TrackingUpdate], list[Rejected]]:
    """Normalise JSON updates into core updates; a bad update is rejected alone with its reason."""
    updates, rejected = [], []
    for item in items:
        try:
            named = (item.carrier or "").strip() or None  # blank is not a name
            carrier = named or _detected(item)
            events = tuple(
                event_from_raw(
                    carrier=(e.carrier or "").strip() or carrier,
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
                    carrier=named,
                    events=events,
                    source=item.source,
                    carrier_service=item.carrier_service,
                    promised_by=item.promised_by,
                )
            )
        except ValueError as exc:
            rejected.append(Rejected(item.tracking_number, item.source, str(exc)))
    return updates, rejected


def _detected(item: UpdateIn) -> str:
    """The carrier detected from the number; refused with `unrecognised` when an event names
    none either (an event's own carrier is enough to keep the update)."""
    found = best_carrier(item.tracking_number)
    if found is not None:
        return found.carrier
    if all((e.carrier or "").strip() for e in item.events):
        return ""
    raise ValueError(unrecognised(item.tracking_number))


def ingest_batch(session: Session, actor: Principal, batch: EventBatch) -> IngestReport:
    """Ingest a JSON batch of updates for the actor's organisation."""
    actor.require(Permission.tracking_write)
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
