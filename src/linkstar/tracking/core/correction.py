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

from collections.abc import Mapping
from dataclasses import replace
from typing import Literal

import numpy as np

from linkstar.tracking.core.columns import TrackingColumns
from linkstar.tracking.core.events import TrackingEvent
from linkstar.tracking.core.mapping import normalise, table_for

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


def recarried_columns(
    cols: TrackingColumns, carriers: Mapping[int, tuple[str, str]]
) -> TrackingColumns:
    """The batch with each update of `carriers` (update index → (old carrier, current carrier):
    its key is an alias of a corrected shipment) named under the current carrier, and its
    events in the old carrier's vocabulary told as the current carrier's (as `recarried`);
    its other events (an aggregator's vocabulary, another carrier's) keep everything. Its
    service is dropped: the old carrier's service name means nothing under the current one."""
    update_carrier, service = list(cols.update_carrier), list(cols.carrier_service)
    for update, (_old, current) in carriers.items():
        update_carrier[update], service[update] = current, None
    carrier, code_source = list(cols.carrier), list(cols.code_source)
    status, sub_status, rule_id = list(cols.status), list(cols.sub_status), list(cols.rule_id)
    picked = np.flatnonzero(np.isin(cols.update, np.fromiter(carriers, dtype=np.int64)))
    for at, update in zip(picked.tolist(), cols.update[picked].tolist(), strict=True):
        old, current = carriers[update]
        if not read_as(code_source[at] or carrier[at], old):
            continue
        found, sub, rule = normalise(current, cols.raw_code[at], cols.raw_description[at])
        carrier[at], code_source[at] = current, None
        status[at], sub_status[at], rule_id[at] = found.value, sub.value if sub else None, rule
    return replace(
        cols, update_carrier=update_carrier, carrier_service=service, carrier=carrier,
        code_source=code_source,
        status=status, sub_status=sub_status, rule_id=rule_id,
    )  # fmt: skip
