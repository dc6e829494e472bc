"""Correcting a shipment's carrier: which stored events were read with the wrong table, and
what they say under the right one.

An event's vocabulary is its `code_source`, else its carrier (`TrackingEvent.vocabulary`).
Events in the old carrier's own vocabulary (pulled from its API, webhooks or files naming it)
were normalised with its mapping table, which was the wrong one: they are told again as the
new carrier's events (`recarried`), so their status comes from the new carrier's table and
their fingerprint is the one a re-fetch from the new carrier gives. Events in an aggregator's
vocabulary (17TRACK, AfterShip) or another carrier's keep everything.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from linkstar.tracking.core.events import TrackingEvent
from linkstar.tracking.core.mapping import table_for

# What happens to the shipment after a correction: a poll job was queued, the workspace has no
# account for the new carrier, the poller does not read the shipment, or nothing changed.
Refetch = Literal["queued", "no_carrier_account", "not_open", "unchanged"]


def read_as(vocabulary: str, carrier: str) -> bool:
    """True when events of `vocabulary` were normalised with `carrier`'s own table: the same
    code, or two codes of one mapping table (`dhl` and `dhl_express`)."""
    if vocabulary == carrier:
        return True
    table = table_for(vocabulary)
    return table is not None and table is table_for(carrier)


def recarried(event: TrackingEvent, carrier: str) -> TrackingEvent:
    """The same raw event as `carrier`'s own, normalised with `carrier`'s table."""
    return replace(event, carrier=carrier, code_source=None).renormalised()
