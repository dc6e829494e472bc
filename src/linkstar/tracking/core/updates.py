"""What every tracking source hands to the hub: a tracking number and the events seen for it.

Webhook parsers (17TRACK, AfterShip, generic JSON), pull connectors (USPS, UPS, FedEx, DHL) and
file imports all produce `TrackingUpdate`s; the store ingests them in bulk. `carrier` is None when
the source did not say, and the hub detects it from the number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from linkstar.tracking.core.events import TrackingEvent


@dataclass(frozen=True, slots=True)
class TrackingUpdate:
    tracking_number: str
    carrier: str | None
    events: tuple[TrackingEvent, ...]
    source: str  # "17track", "aftership", "generic", "usps", "ups", "fedex", "dhl", "file", …
    carrier_service: str | None = None  # the service the source named, if any
    promised_by: datetime | None = None  # the carrier's own estimated delivery, if it gave one

    def __post_init__(self) -> None:
        if not self.tracking_number.strip():
            raise ValueError("tracking_number must not be empty")
        if not self.source.strip():
            raise ValueError("source must not be empty")
