"""Refresh lane_transit_stats from the organisation's finished shipments (one query, numpy).

Finished = delivered or returned, and finished within the look-back. Transit days run from the
first carrier scan (else the shipment's creation) to delivery. The table is replaced as a whole:
one delete and one multi-row insert per refresh. Never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from linkstar.kit.clock import utcnow
from linkstar.kit.ids import new_id
from linkstar.tracking import feedback
from linkstar.tracking.core.stats import lane_stats
from linkstar.tracking.driver_reads import (
    columns,
    dialect,
    epoch,
    fetch,
    lane_key,
    mapped,
    param,
    seconds,
    shipments_table,
)
from linkstar.tracking.models import LaneTransitStat

LOOKBACK_DAYS = 180
GAP_LOOKBACK_DAYS = 30
SEP = "\x1f"


@dataclass(frozen=True, slots=True)
class StatsReport:
    """What a refresh computed."""

    shipments: int
    lanes: int
    parents: int
    k: float
    m: float

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON."""
        return {
            "shipments": self.shipments,
            "lanes": self.lanes,
            "parents": self.parents,
            "k": round(self.k, 2),
            "m": round(self.m, 2),
        }


@dataclass(frozen=True, slots=True)
class Finished:
    """The finished shipments of the look-back as columns, with their lane and parent codes."""

    lane_names: npt.NDArray[np.str_]  # sorted lane keys (carrier, service, origin, country,
    lane: npt.NDArray[np.int64]  # prefix joined by SEP); per shipment, its lane's code
    parent_names: npt.NDArray[np.str_]  # sorted carrier x service x country keys
    parent_of_lane: npt.NDArray[np.int64]
    transit: npt.NDArray[np.float64]  # days, NaN when not delivered
    delivered: npt.NDArray[np.bool_]
    on_time: npt.NDArray[np.float64]  # 1/0, NaN when there was no promise


def read_finished(session: Session, organisation_id: str, now: datetime) -> Finished | None:
    """One read of the delivered or returned shipments finished within the look-back."""
    name = dialect(session)
    # Whole epoch seconds from the generated columns of the covering index (migration 0025).
    start = "COALESCE(first_scan_s, created_s)"
    done = "status = 'delivered' AND delivered_s IS NOT NULL"
    greatest = "GREATEST" if name == "postgresql" else "MAX"
    # Per shipment: its lane as one text, transit days when delivered, on time 1/0 (NULL: no
    # promise); the arithmetic is numpy's (an exact integer difference, one IEEE division).
    sql = (
        f"SELECT {lane_key(name)}, "  # noqa: S608
        f"CASE WHEN {done} THEN CAST({greatest}(delivered_s - {start}, 0) AS DOUBLE PRECISION) "
        "/ CAST(86400 AS DOUBLE PRECISION) END, "
        f"CASE WHEN promised_s IS NULL THEN NULL WHEN {done} AND delivered_s <= promised_s "
        f"THEN 1 ELSE 0 END FROM {shipments_table(name)} WHERE organisation_id = ? "
        "AND status IN ('delivered', 'returned') AND dest_country IS NOT NULL "
        "AND status_since_s >= ?"
    )
    since = seconds(now - timedelta(days=LOOKBACK_DAYS))
    rows = fetch(session, sql, (organisation_id, since))
    if not rows:
        return None
    keys, transit_days, on_time_flags = columns(rows, 3)
    # Lane codes in sorted key order (what np.unique gives) from one dictionary pass.
    lane_list = sorted(set(keys))
    code = {key: i for i, key in enumerate(lane_list)}
    parent_keys = np.array([SEP.join(k.split(SEP)[:2] + k.split(SEP)[3:4]) for k in lane_list])
    parent_names, parent_of_lane = np.unique(parent_keys, return_inverse=True)
    transit = np.array(transit_days, dtype=np.float64)  # None (not delivered) becomes NaN
    return Finished(
        lane_names=np.array(lane_list),
        lane=np.fromiter(map(code.__getitem__, keys), dtype=np.int64, count=len(keys)),
        parent_names=parent_names,
        parent_of_lane=parent_of_lane.astype(np.int64),
        transit=transit,
        delivered=~np.isnan(transit),
        on_time=np.array(on_time_flags, dtype=np.float64),  # None (no promise) becomes NaN
    )


def refresh(session: Session, organisation_id: str, *, now: datetime | None = None) -> StatsReport:
    """Recompute every lane's figures and replace the organisation's rows."""
    now = now or utcnow()
    with mapped(session):
        found = read_finished(session, organisation_id, now)
    session.execute(
        delete(LaneTransitStat).where(LaneTransitStat.organisation_id == organisation_id)
    )
    if found is None:
        return StatsReport(0, 0, 0, 0.0, 0.0)
    lane_names, parent_names = found.lane_names, found.parent_names
    stats = lane_stats(found.lane, found.parent_of_lane, found.transit, found.delivered,
                       found.on_time)  # fmt: skip
    with mapped(session):
        gaps = lane_gap_p95(session, organisation_id, now)
    out: list[dict[str, Any]] = []
    for i, name in enumerate(lane_names.tolist()):
        carrier, service, origin, country, prefix = name.split(SEP)
        if np.isnan(stats.quantiles[i, 0]):
            continue
        out.append(
            _row(organisation_id, "lane", carrier, service, origin, country, prefix,
                 int(stats.lanes.n[i]), int(stats.lanes.delivered[i]), stats.quantiles[i],
                 stats.on_time_rate[i], stats.success_rate[i], stats.confidence[i], now,
                 gaps.get(name))
        )  # fmt: skip
    for j, name in enumerate(parent_names.tolist()):
        carrier, service, country = name.split(SEP)
        if np.isnan(stats.parents.quantiles[j, 0]):
            continue
        out.append(
            _row(organisation_id, "country", carrier, service, "", country, "",
                 int(stats.parents.n[j]), int(stats.parents.delivered[j]),
                 stats.parents.quantiles[j], stats.parents.on_time_rate[j],
                 stats.parents.success_rate[j], 1.0, now, None)
        )  # fmt: skip
    if out:
        session.connection().execute(insert(LaneTransitStat.__table__), out)  # type: ignore[arg-type]
    feedback.publish_lane_stats(session, organisation_id)  # routing reads these (feedback.py)
    return StatsReport(len(found.lane), len(lane_names), len(parent_names), stats.k, stats.m)


def _row(
    organisation_id: str,
    level: str,
    carrier: str,
    service: str,
    origin: str,
    country: str,
    prefix: str,
    n: int,
    delivered: int,
    quantiles: Any,
    on_time: float,
    success: float,
    confidence: float,
    now: datetime,
    gap: float | None,
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "organisation_id": organisation_id,
        "level": level,
        "carrier": carrier,
        "carrier_service": service,
        "origin": origin,
        "dest_country": country,
        "postcode_prefix": prefix,
        "shipments": n,
        "delivered": delivered,
        "p50_days": round(float(quantiles[0]), 3),
        "p90_days": round(float(quantiles[1]), 3),
        "p95_days": round(float(quantiles[2]), 3),
        "on_time_rate": None if np.isnan(on_time) else round(float(on_time), 4),
        "success_rate": round(float(success), 4),
        "gap_p95_hours": gap,
        "confidence": round(float(confidence), 4),
        "computed_at": now,
    }


def lane_gap_p95(session: Session, organisation_id: str, now: datetime) -> dict[str, float]:
    """Per lane key: the p95 of hours between consecutive events of recently delivered parcels."""
    name = dialect(session)
    sql = (
        "SELECT s.carrier, COALESCE(s.carrier_service, ''), COALESCE(s.warehouse_id, ''), "  # noqa: S608
        "s.dest_country, SUBSTR(COALESCE(s.dest_postcode, ''), 1, 3), e.shipment_id, "
        f"{epoch('e.event_time', name, integer=False)} FROM tracking_events e "
        "JOIN shipments s ON s.id = e.shipment_id "
        "WHERE s.organisation_id = ? AND s.status = 'delivered' AND s.delivered_at >= ? "
        "AND s.dest_country IS NOT NULL AND e.status <> 'info_received' "
        "ORDER BY e.shipment_id, e.event_time"
    )
    rows = fetch(session, sql, (organisation_id, param(session, now - timedelta(days=30))))
    if len(rows) < 2:
        return {}
    cols = columns(rows, 7)
    shipment = np.array(cols[5])
    times = np.array(cols[6], dtype=np.float64)
    same = shipment[1:] == shipment[:-1]
    gaps = (times[1:] - times[:-1])[same] / 3600.0
    keys = np.array(
        [SEP.join(p) for p in zip(cols[0], cols[1], cols[2], cols[3], cols[4], strict=True)]
    )[1:][same]
    if gaps.size == 0:
        return {}
    names, codes = np.unique(keys, return_inverse=True)
    out = {}
    for i, name in enumerate(names.tolist()):
        values = gaps[codes == i]
        if values.size >= 20:  # fewer gaps than this say nothing about a p95
            out[name] = round(float(np.percentile(values, 95)), 2)
    return out


def lanes(
    session: Session, organisation_id: str, carrier: str | None = None
) -> list[LaneTransitStat]:
    """The stored figures, lanes first then the carrier-country rows, by carrier and country."""
    stmt = select(LaneTransitStat).where(LaneTransitStat.organisation_id == organisation_id)
    if carrier:
        stmt = stmt.where(LaneTransitStat.carrier == carrier)
    order = (
        LaneTransitStat.level.desc(),
        LaneTransitStat.carrier,
        LaneTransitStat.carrier_service,
        LaneTransitStat.dest_country,
        LaneTransitStat.origin,
        LaneTransitStat.postcode_prefix,
    )
    return list(session.scalars(stmt.order_by(*order)))
