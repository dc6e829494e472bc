"""Check the delivery estimates on the workspace's own history (`core.estimate_check`).

The lane figures are fitted as `statistics.refresh` would have fitted them on the split date:
shipments finished in the look-back before it. They are scored on the shipments whose transit
started (first carrier scan, else creation) on or after the date and that have been delivered
since. One read of the organisation's finished shipments; nothing is written except the lane
ids `lane_ids.assign` gives shipments that had none. Never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from linkstar.kit.errors import InvalidInput
from linkstar.tracking import lane_ids
from linkstar.tracking.core.estimate_check import Fitted, Score, predict, score, score_by
from linkstar.tracking.driver_reads import dialect, fetch, mapped, seconds, shipments_table
from linkstar.tracking.lane_ids import SEP
from linkstar.tracking.models import FINISHED_INDEX, FINISHED_WHERE
from linkstar.tracking.statistics import LOOKBACK_DAYS
from linkstar.workspace.core import Permission, Principal

DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class EstimateCheck:
    """The estimates fitted before `split`, scored on the deliveries that started after it."""

    split: datetime
    fitted_on: int  # finished shipments in the look-back before the split
    overall: Score
    by_carrier: list[tuple[str, Score]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "split": self.split.isoformat(),
            "lookback_days": LOOKBACK_DAYS,
            "fitted_on": self.fitted_on,
            "overall": self.overall.as_dict(),
            "by_carrier": [{"carrier": c, **s.as_dict()} for c, s in self.by_carrier],
        }


def check_estimates(session: Session, actor: Principal, split: datetime) -> EstimateCheck:
    """Score the estimates the lane figures of `split` would have given later deliveries."""
    actor.require(Permission.tracking_read)
    org = actor.organisation_id
    lane_ids.assign(session, org)
    with mapped(session):
        rows = _finished(session, org)
    names = lane_ids.names(session, org)
    at = seconds(split)
    lane_id, start, finished, delivered_s, promised, is_delivered = rows
    transit = np.where(is_delivered, np.maximum(delivered_s - start, 0) / DAY, np.nan)
    before = (finished < at) & (finished >= at - LOOKBACK_DAYS * DAY)
    after = is_delivered & (start >= at)

    # Lanes and parents coded by the history before the split, as the refresh codes them; a
    # lane id maps to its codes through arrays (lanes are few, shipments many).
    lane_keys = sorted({names[i] for i in np.unique(lane_id[before]).tolist()})
    parent_keys = sorted({lane_ids.parent_key(k) for k in lane_keys})
    lane_code = {k: c for c, k in enumerate(lane_keys)}
    parent_code = {k: c for c, k in enumerate(parent_keys)}
    carrier_names = sorted({k.split(SEP)[0] for k in names.values()})
    carrier_code = {name: c for c, name in enumerate(carrier_names)}
    size = max(names, default=0) + 1
    lane_of, parent_of, carrier_of = (np.full(size, -1, dtype=np.int64) for _ in range(3))
    for i, key in names.items():
        lane_of[i] = lane_code.get(key, -1)
        parent_of[i] = parent_code.get(lane_ids.parent_key(key), -1)
        carrier_of[i] = carrier_code[key.split(SEP)[0]]
    fitted = Fitted(
        lane=lane_of[lane_id[before]],
        parent_of_lane=np.array(
            [parent_code[lane_ids.parent_key(k)] for k in lane_keys], dtype=np.int64
        ),
        transit_days=transit[before],
        delivered=is_delivered[before],
        on_time=_on_time(is_delivered, delivered_s, promised)[before],
    )
    later = lane_id[after]
    p50, p90, own = predict(fitted, lane_of[later], parent_of[later])
    actual = transit[after]
    carriers = carrier_of[later]
    per = score_by(carriers, len(carrier_names), actual, p50, p90, own)
    shown = [(name, s) for name, s in zip(carrier_names, per, strict=True) if s.delivered]
    return EstimateCheck(
        split=split,
        fitted_on=int(before.sum()),
        overall=score(actual, p50, p90, own),
        by_carrier=shown,
    )


def _on_time(delivered: np.ndarray, delivered_s: np.ndarray, promised: np.ndarray) -> np.ndarray:
    has = ~np.isnan(promised)
    return np.where(has, (delivered & (delivered_s <= promised)).astype(np.float64), np.nan)


def _finished(session: Session, org: str) -> tuple[np.ndarray, ...]:
    """Per finished shipment with a lane: lane id, transit start, finish, delivery and promise
    (epoch seconds; NaN where missing) and whether it was delivered."""
    table = shipments_table(dialect(session), FINISHED_INDEX)  # the finished ones (0031)
    start = "COALESCE(first_scan_s, created_s)"
    delivered = "CASE WHEN status = 'delivered' AND delivered_s IS NOT NULL THEN 1 ELSE 0 END"
    sql = (
        f"SELECT lane_id, {start}, status_since_s, delivered_s, promised_s, {delivered} "  # noqa: S608
        f"FROM {table} WHERE organisation_id = ? AND {FINISHED_WHERE} "
        "AND dest_country IS NOT NULL AND lane_id IS NOT NULL AND status_since_s IS NOT NULL"
    )
    rows = fetch(session, sql, (org,))
    if not rows:
        empty = np.zeros(0)
        return (np.zeros(0, np.int64), empty, empty, empty, empty, np.zeros(0, bool))
    got = np.array(rows, dtype=np.float64)  # None -> NaN
    return (
        got[:, 0].astype(np.int64),
        got[:, 1],
        got[:, 2],
        got[:, 3],
        got[:, 4],
        got[:, 5] == 1,
    )


def split_of(text: str | None, now: datetime) -> datetime:
    """The split date from a user's text (ISO 8601 date or time, UTC when no offset), else 30
    days before `now`."""
    if not text:
        return now - timedelta(days=30)
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"split {text!r} is not an ISO 8601 date, e.g. 2026-10-01") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
