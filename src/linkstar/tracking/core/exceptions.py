"""The exception sweep, vectorised: which shipments need attention, and why.

Input is one column per shipment field (numpy arrays loaded in one query); output is one boolean
mask per exception kind. Thresholds come from the workspace's rules (data, see `tracking.rules`).
Times are epoch seconds (UTC) with -1 for "none", so a million shipments are judged with a few
array operations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from linkstar.tracking.core.calendar import business_hours_between


class ExceptionKind(StrEnum):
    """Why a shipment needs attention."""

    STALLED = "stalled"
    CUSTOMS_HOLD = "customs_hold"
    FAILED_ATTEMPT = "failed_attempt"
    ADDRESS_ISSUE = "address_issue"
    RETURN_TO_SENDER = "return_to_sender"
    LOST = "lost"
    LATE = "late"
    UNMAPPED = "unmapped"


class ExceptionState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


# Statuses in which a parcel is in the carrier's hands and should keep being scanned.
MOVING = ("in_transit", "out_for_delivery", "failed_attempt", "exception", "returning_to_sender")
NONE = -1  # "no time" in the epoch-second columns

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The numbers of a workspace's rules that the sweep needs."""

    stalled_floor_business_hours: float = 48.0
    customs_hold_hours: float = 48.0
    lost_days: float = 14.0
    enabled: frozenset[ExceptionKind] = field(default_factory=lambda: frozenset(ExceptionKind))


@dataclass(frozen=True, slots=True)
class SweepColumns:
    """One entry per shipment; times in epoch seconds UTC, NONE when absent."""

    status: npt.NDArray[np.object_]
    sub_status: npt.NDArray[np.object_]  # "" when none
    dest_country: npt.NDArray[np.object_]  # "" when unknown
    last_event_at: Ints
    status_since: Ints
    promised_by: Ints
    delivered_at: Ints
    unmapped_count: Ints
    lane_gap_p95_hours: npt.NDArray[np.float64]  # NaN when the lane has no history yet

    def __len__(self) -> int:
        return int(self.status.shape[0])


class Encoded:
    """A column of a few distinct strings as small integer codes (one dictionary pass)."""

    def __init__(self, values: npt.NDArray[np.object_]) -> None:
        items = values.tolist()
        self.names = list(dict.fromkeys(items))  # distinct values, in order of appearance
        lookup = {name: code for code, name in enumerate(self.names)}
        self.codes = np.fromiter(map(lookup.__getitem__, items), dtype=np.int32, count=len(items))

    def isin(self, wanted: tuple[str, ...]) -> Bools:
        """Which entries hold one of `wanted` (compared once per distinct value)."""
        hit = np.array([name in wanted for name in self.names] + [False], dtype=bool)
        return np.asarray(hit[self.codes], dtype=bool)


def detect(columns: SweepColumns, rules: Thresholds, now_s: int) -> dict[ExceptionKind, Bools]:
    """A mask per enabled exception kind over the shipments of `columns`."""
    status, sub = Encoded(columns.status), Encoded(columns.sub_status)
    moving = status.isin(MOVING)
    has_last = columns.last_event_at != NONE
    out: dict[ExceptionKind, Bools] = {}
    hours_since_scan = np.where(has_last, (now_s - columns.last_event_at) / 3600.0, 0.0)
    lost = moving & has_last & (hours_since_scan > rules.lost_days * 24.0)
    if ExceptionKind.STALLED in rules.enabled:
        limit = np.fmax(columns.lane_gap_p95_hours, rules.stalled_floor_business_hours)
        candidates = moving & has_last & ~lost & (hours_since_scan > limit)
        stalled = np.zeros(len(columns), dtype=bool)
        if candidates.any():
            idx = np.flatnonzero(candidates)
            business = business_hours_between(
                columns.last_event_at[idx], now_s, columns.dest_country[idx]
            )
            stalled[idx] = business > limit[idx]
        out[ExceptionKind.STALLED] = stalled
    if ExceptionKind.LOST in rules.enabled:
        out[ExceptionKind.LOST] = lost
    if ExceptionKind.CUSTOMS_HOLD in rules.enabled:
        held = sub.isin(("customs_hold", "customs_information_required")) & ~status.isin(
            ("delivered", "returned")
        )
        since = columns.status_since
        out[ExceptionKind.CUSTOMS_HOLD] = (
            held & (since != NONE) & ((now_s - since) / 3600.0 > rules.customs_hold_hours)
        )
    if ExceptionKind.FAILED_ATTEMPT in rules.enabled:
        out[ExceptionKind.FAILED_ATTEMPT] = status.isin(("failed_attempt",))
    if ExceptionKind.ADDRESS_ISSUE in rules.enabled:
        out[ExceptionKind.ADDRESS_ISSUE] = sub.isin(
            ("address_issue", "recipient_moved")
        ) & ~status.isin(("delivered",))
    if ExceptionKind.RETURN_TO_SENDER in rules.enabled:
        out[ExceptionKind.RETURN_TO_SENDER] = status.isin(("returning_to_sender", "returned"))
    if ExceptionKind.LATE in rules.enabled:
        promised = columns.promised_by != NONE
        delivered = columns.delivered_at != NONE
        late_delivery = promised & delivered & (columns.delivered_at > columns.promised_by)
        overdue = promised & ~delivered & moving & (now_s > columns.promised_by)
        out[ExceptionKind.LATE] = late_delivery | overdue
    if ExceptionKind.UNMAPPED in rules.enabled:
        out[ExceptionKind.UNMAPPED] = (columns.unmapped_count > 0) | status.isin(("unmapped",))
    return out
