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
from linkstar.tracking import feedback, lane_ids
from linkstar.tracking.core.stats import lane_stats
from linkstar.tracking.driver_reads import (
    columns,
    dialect,
    epoch,
    fetch,
    mapped,
    param,
    seconds,
    shipments_table,
)
from linkstar.tracking.lane_ids import SEP
from linkstar.tracking.models import FINISHED_INDEX, FINISHED_WHERE, LaneTransitStat

LOOKBACK_DAYS = 180
GAP_LOOKBACK_DAYS = 30


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


SHIFT = 1 << 34  # transit seconds + 1 below this (544 years); lane id and on-time code above


def read_finished(session: Session, organisation_id: str, now: datetime) -> Finished | None:
    """One read of the delivered or returned shipments finished within the look-back (their
    lane ids assigned first)."""
    lane_ids.assign(session, organisation_id)
    name = dialect(session)
    # Whole epoch seconds from the generated columns of the covering index (migration 0025).
    start = "COALESCE(first_scan_s, created_s)"
    done = "status = 'delivered' AND delivered_s IS NOT NULL"
    greatest = "GREATEST" if name == "postgresql" else "MAX"
    transit = f"CASE WHEN {done} THEN {greatest}(delivered_s - {start}, 0) + 1 ELSE 0 END"
    flag = f"CASE WHEN promised_s IS NULL THEN 2 WHEN {done} AND delivered_s <= promised_s THEN 1 ELSE 0 END"  # noqa: E501
    # Per shipment one integer: (lane id x 3 + on time 1/0/2 for no promise) x SHIFT + transit
    # seconds + 1 (0: not delivered), all of them in one text the database joins, which numpy
    # parses: no Python object per shipment (the rows as tuples cost twice the read, measured).
    packed = f"(CAST(lane_id AS BIGINT) * 3 + {flag}) * {SHIFT} + {transit}"
    joined = f"string_agg(CAST({packed} AS TEXT), ',')" if name == "postgresql" else (
        f"group_concat({packed})"
    )  # fmt: skip
    sql = (  # from the partial covering index of the finished shipments (migration 0031)
        f"SELECT {joined} FROM {shipments_table(name, FINISHED_INDEX)} "  # noqa: S608
        f"WHERE organisation_id = ? AND {FINISHED_WHERE} AND dest_country IS NOT NULL "
        "AND status_since_s >= ? "
        "AND lane_id IS NOT NULL"  # PostgreSQL: one finished since `lane_ids.assign` waits
    )
    since = seconds(now - timedelta(days=LOOKBACK_DAYS))
    text = fetch(session, sql, (organisation_id, since))[0][0]
    if not text:
        return None
    values = np.fromstring(text, dtype=np.int64, sep=",")
    high, transit_s = np.divmod(values, SHIFT)
    ids, flags = np.divmod(high, 3)
    # Lane codes in sorted key order (what np.unique over the key texts gave).
    present = np.flatnonzero(np.bincount(ids))
    keys = lane_ids.names(session, organisation_id)
    lane_list = sorted(keys[i] for i in present.tolist())
    code_of_id = np.zeros(present[-1] + 1, dtype=np.int64)
    code_of_id[sorted(present.tolist(), key=keys.__getitem__)] = np.arange(len(lane_list))
    parent_keys = np.array([lane_ids.parent_key(k) for k in lane_list])
    parent_names, parent_of_lane = np.unique(parent_keys, return_inverse=True)
    delivered = transit_s > 0
    return Finished(
        lane_names=np.array(lane_list),
        lane=code_of_id[ids],
        parent_names=parent_names,
        parent_of_lane=parent_of_lane.astype(np.int64),
        transit=np.where(delivered, (transit_s - 1) / 86400.0, np.nan),
        delivered=delivered,
        on_time=np.where(flags == 2, np.nan, flags.astype(np.float64)),
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
    # The delivered shipments from the finished shipments' covering index, `delivered_s` (its
    # whole seconds) narrowing to the exact bound: the shipments table is read only for a
    # delivery in the bound's own second. A walk of the lists' (organisation, status) index
    # (migration 0042) read every delivered shipment's row from the table: 1 s at 1,000,000.
    sql = (
        "SELECT s.carrier, COALESCE(s.carrier_service, ''), COALESCE(s.warehouse_id, ''), "  # noqa: S608
        "s.dest_country, SUBSTR(COALESCE(s.dest_postcode, ''), 1, 3), e.shipment_id, "
        f"{epoch('e.event_time', name, integer=False)} "
        f"FROM {shipments_table(name, FINISHED_INDEX)} "
        "JOIN tracking_events e ON e.shipment_id = s.id "
        f"WHERE s.organisation_id = ? AND s.{FINISHED_WHERE} AND s.status = 'delivered' "
        "AND s.delivered_s >= ? AND (s.delivered_s > ? OR s.delivered_at >= ?) "
        "AND s.dest_country IS NOT NULL AND e.status <> 'info_received' "
        "ORDER BY e.shipment_id, e.event_time"
    )
    bound = now - timedelta(days=GAP_LOOKBACK_DAYS)
    floor = seconds(bound)
    rows = fetch(session, sql, (organisation_id, floor, floor, param(session, bound)))
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
