"""The one tracking vocabulary every carrier's events are normalised into.

A status says where a parcel is in its life; a sub-status says why (or how) when the carrier
tells us. `UNMAPPED` is not a place in the life of a parcel: it marks an event that no mapping
table understood, so that it is shown and alerted on instead of being guessed.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Normalised shipment status of one tracking event."""

    PENDING = "pending"  # known to us, nothing from the carrier yet
    INFO_RECEIVED = "info_received"  # label / pre-advice, the carrier does not hold the parcel
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    FAILED_ATTEMPT = "failed_attempt"  # a delivery was tried and did not succeed
    AVAILABLE_FOR_PICKUP = "available_for_pickup"  # waiting at a counter, locker or access point
    DELIVERED = "delivered"
    EXCEPTION = "exception"  # something is wrong and the parcel is not moving normally
    RETURNING_TO_SENDER = "returning_to_sender"
    RETURNED = "returned"  # the return reached the sender
    EXPIRED = "expired"  # an aggregator stopped seeing updates for a long time
    UNMAPPED = "unmapped"  # no mapping table understood the event: never guessed


class SubStatus(StrEnum):
    """Why or how: the detail of a status, when the carrier says it."""

    # before and during line haul
    LABEL_CREATED = "label_created"
    PICKED_UP = "picked_up"
    ARRIVED_AT_FACILITY = "arrived_at_facility"
    PROCESSED_AT_FACILITY = "processed_at_facility"
    DEPARTED_FACILITY = "departed_facility"
    DEPARTED_ORIGIN_COUNTRY = "departed_origin_country"
    ARRIVED_DESTINATION_COUNTRY = "arrived_destination_country"
    HANDED_TO_LAST_MILE = "handed_to_last_mile"
    FORWARDED = "forwarded"
    MISROUTED = "misrouted"
    RESCHEDULED = "rescheduled"
    # customs
    CUSTOMS_PROCESSING = "customs_processing"
    CUSTOMS_HOLD = "customs_hold"
    CUSTOMS_INFORMATION_REQUIRED = "customs_information_required"
    CUSTOMS_RELEASED = "customs_released"
    # delays and holds
    HELD_AT_FACILITY = "held_at_facility"
    DELAYED_WEATHER = "delayed_weather"
    DELAYED_CARRIER = "delayed_carrier"
    DELAYED_EXTERNAL = "delayed_external"  # emergencies, strikes, force majeure
    # delivery problems
    ADDRESS_ISSUE = "address_issue"
    RECIPIENT_UNAVAILABLE = "recipient_unavailable"
    RECIPIENT_MOVED = "recipient_moved"
    BUSINESS_CLOSED = "business_closed"
    ACCESS_ISSUE = "access_issue"  # receptacle blocked or full, no secure place, no access
    SIGNATURE_REQUIRED = "signature_required"
    PAYMENT_REQUIRED = "payment_required"  # duties, COD or other charges due
    REFUSED = "refused"
    UNCLAIMED = "unclaimed"
    # loss, damage, end of life
    DAMAGED = "damaged"
    LOST = "lost"
    DESTROYED = "destroyed"
    CANCELLED = "cancelled"
    REJECTED_BY_CARRIER = "rejected_by_carrier"  # not compliant with the carrier's rules
    NOT_FOUND = "not_found"  # the carrier does not know the number (yet)
    # how a delivery ended
    DELIVERED_TO_AGENT = "delivered_to_agent"  # neighbour, reception, mail room
    PICKED_UP_BY_RECIPIENT = "picked_up_by_recipient"


TERMINAL_STATUSES: frozenset[Status] = frozenset({Status.DELIVERED, Status.RETURNED})
"""Statuses after which a parcel needs no more polling and cannot be "stalled"."""

# Which later statuses may still replace a terminal one (see `derive.current_status`).
# Delivered parcels can still be sent back or reported damaged; a completed return is final.
SUPERSEDES_TERMINAL: dict[Status, frozenset[Status]] = {
    Status.DELIVERED: frozenset({Status.RETURNING_TO_SENDER, Status.RETURNED, Status.EXCEPTION}),
    Status.RETURNED: frozenset(),
}

# Lifecycle order, used only to break ties between events with the same event time:
# the further-advanced state wins. Unmapped events sort first and never decide.
STATUS_RANK: dict[Status, int] = {
    Status.UNMAPPED: -1,
    Status.PENDING: 0,
    Status.INFO_RECEIVED: 1,
    Status.EXPIRED: 2,
    Status.IN_TRANSIT: 3,
    Status.OUT_FOR_DELIVERY: 4,
    Status.FAILED_ATTEMPT: 5,
    Status.AVAILABLE_FOR_PICKUP: 6,
    Status.EXCEPTION: 7,
    Status.RETURNING_TO_SENDER: 8,
    Status.DELIVERED: 9,
    Status.RETURNED: 10,
}


def is_terminal(status: Status) -> bool:
    """True when the status ends the parcel's journey (delivered, or returned to the sender)."""
    return status in TERMINAL_STATUSES
