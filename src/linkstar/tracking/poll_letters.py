"""Retrying a carrier poll's dead letter: the carrier's answer the poll kept whole (source
`<api>_poll`, header `x-poll-number`) is parsed again with the API's current parser, and its
updates are given to the workspace's own shipments of that API, as the poll run does: the
shipment's carrier kept, no shipment created. Never writes: `dead_letters.retry` stores.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from linkstar.tracking.connectors import parse_dhl, parse_fedex, parse_ups, parse_usps
from linkstar.tracking.connectors.errors import TrackingPayloadError
from linkstar.tracking.connectors.polling import polled_carriers
from linkstar.tracking.connectors.results import PullResult
from linkstar.tracking.core.numbers import normalise_tracking_number
from linkstar.tracking.core.updates import TrackingUpdate
from linkstar.tracking.models import Shipment

POLL_PARSERS: Mapping[str, Callable[[bytes], PullResult]] = {
    "usps": lambda body: PullResult(updates=(parse_usps(body),)),  # one number per answer
    "ups": parse_ups,
    "fedex": parse_fedex,
    "dhl": parse_dhl,
}
SUFFIX = "_poll"


def poll_api(source: str) -> str | None:
    """The API whose poll kept a letter of this source, or None for other sources."""
    api = source.removesuffix(SUFFIX)
    return api if source.endswith(SUFFIX) and api in POLL_PARSERS else None


def parse_poll_letter(
    session: Session, organisation_id: str, api: str, body: str, number: str | None
) -> list[TrackingUpdate]:
    """The updates a kept answer holds for the workspace's shipments of this API. Raises
    TrackingPayloadError while the answer cannot be read, or still fails for the letter's
    number (for any number when the letter names none)."""
    result = POLL_PARSERS[api](body.encode("utf-8"))
    for failure in result.failures:
        if number is None or normalise_tracking_number(failure.tracking_number) == number:
            raise TrackingPayloadError(failure.reason, failure.tracking_number)
    numbers = {normalise_tracking_number(u.tracking_number) for u in result.updates}
    rows = session.execute(
        select(Shipment.tracking_number, Shipment.carrier)
        .where(
            Shipment.organisation_id == organisation_id,
            Shipment.tracking_number.in_(sorted(numbers)),
            Shipment.carrier.in_(polled_carriers([api])),
        )
        .order_by(Shipment.carrier)
    )
    own = {number: carrier for number, carrier in rows}
    return [
        replace(update, tracking_number=key, carrier=own[key])
        for update in result.updates
        if (key := normalise_tracking_number(update.tracking_number)) in own
    ]
