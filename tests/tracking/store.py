"""Builders for the tracking store tests: real USPS codes normalised by the real tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from linkstar.tracking.core.events import TrackingEvent, event_from_raw
from linkstar.tracking.core.updates import TrackingUpdate

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday

LABEL = ("MA", "Shipping Label Created, USPS Awaiting Item")
PICKED_UP = ("03", "USPS picked up item")
PROCESSED = ("10", "Processed Through USPS Facility")
OUT = ("OF", "Out for Delivery")
ATTEMPT = ("02", "Notice Left (No Authorized Recipient Available)")
DELIVERED = ("01", "Delivered, In/At Mailbox")
RETURNING = ("09", "Return to Sender")
UNKNOWN = ("Z9", "Something the tables do not know")


def usps(step: tuple[str, str], hours: float, *, city: str | None = "DENVER") -> TrackingEvent:
    """A USPS event `hours` after T0."""
    code, text = step
    return event_from_raw(
        carrier="usps",
        event_time=T0 + timedelta(hours=hours),
        raw_code=code,
        raw_description=text,
        city=city,
        state="CO" if city else None,
        country="US",
    )


def update(number: str, *events: TrackingEvent, source: str = "test", **kw) -> TrackingUpdate:
    return TrackingUpdate(number, kw.pop("carrier", "usps"), tuple(events), source, **kw)


def seed(sessions, tenant, prefix: str = "A", box=None) -> dict[str, str]:
    """A shipment with events, an open exception, lane figures and an alert target for one
    organisation; returns the ids the API tests need."""
    from datetime import timedelta

    from cryptography.fernet import Fernet
    from sqlalchemy import select

    from linkstar.db.uow import unit_of_work
    from linkstar.kit.crypto import SecretBox
    from linkstar.tracking.ingest import ingest
    from linkstar.tracking.models import (
        LaneTransitStat,
        NotificationTarget,
        Shipment,
        TrackingException,
    )

    number = f"{prefix}SEED0001".upper()
    with unit_of_work(sessions) as s:
        ingest(s, tenant.org.id, [update(number, usps(PICKED_UP, 0), usps(ATTEMPT, 30))])
        shipment = s.scalars(
            select(Shipment).where(
                Shipment.organisation_id == tenant.org.id, Shipment.tracking_number == number
            )
        ).one()
        # What the sweep opens for a failed attempt (written directly: no alert job queued).
        s.add(
            TrackingException(
                organisation_id=tenant.org.id,
                shipment_id=shipment.id,
                kind="failed_attempt",
                state="open",
                opened_at=T0 + timedelta(hours=31),
                detail={"status": "failed_attempt", "sub_status": "recipient_unavailable"},
                carrier=shipment.carrier,
                dest_country=shipment.dest_country,
                last_scan_at=shipment.last_event_at,
            )
        )
        s.add(
            LaneTransitStat(
                organisation_id=tenant.org.id,
                level="lane",
                carrier="usps",
                carrier_service="Ground",
                origin="",
                dest_country="US",
                postcode_prefix="802",
                shipments=40,
                delivered=39,
                p50_days=3.0,
                p90_days=4.5,
                p95_days=5.0,
                on_time_rate=0.9,
                success_rate=0.975,
                gap_p95_hours=30.0,
                confidence=0.8,
            )
        )
        box = box or SecretBox([Fernet.generate_key()])
        s.add(
            NotificationTarget(
                organisation_id=tenant.org.id,
                name=f"{prefix} ops",
                kinds=[],
                sealed_url=box.seal({"url": "json://localhost:9/hook"}),
            )
        )
        s.flush()
        exception = s.scalars(
            select(TrackingException).where(TrackingException.shipment_id == shipment.id)
        ).one()
        return {
            "shipment_id": shipment.id,
            "exception_id": exception.id,
            "public_token": shipment.public_token,
            "tracking_number": number,
        }
