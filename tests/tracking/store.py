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
