"""How well the delivery estimates held: fit the lane figures on the history before a date and
score them on the deliveries that started after it (a back-test on the workspace's own data).

The estimates are the ones `stats.eta` gives an in-flight shipment: its lane's shrunk p50 and
p90 transit days, else (a lane with no history before the date) its carrier service x country
figures, else none. A good p90 covers about 90 % of later deliveries (`p90_hit`) while
promising as little extra time as possible (`p90_margin_days`: the mean days between the p90
and the actual delivery over the parcels it covered; `p90_late_days`: the mean days beyond it
over those it missed).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from linkstar.tracking.core.stats import Bools, Floats, Ints, lane_stats


@dataclass(frozen=True, slots=True)
class Score:
    """Scores of the estimates over a set of later deliveries (NaN where nothing was scored)."""

    delivered: int  # later deliveries in the set
    estimated: int  # of them, those that had an estimate (own lane or carrier-country)
    from_lane: int  # of those, estimated from their own lane's history
    p50_hit: float  # share delivered within the p50 estimate (about 0.5 is right)
    p90_hit: float  # share delivered within the p90 estimate (about 0.9 is right)
    p90_margin_days: float  # mean (p90 - actual) over the deliveries the p90 covered
    p90_late_days: float  # mean (actual - p90) over the deliveries the p90 missed
    p50_error_days: float  # median |actual - p50|

    def as_dict(self) -> dict[str, float | int | None]:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class Fitted:
    """Finished shipments before the date, lanes coded 0..L-1 with parents 0..P-1."""

    lane: Ints
    parent_of_lane: Ints
    transit_days: Floats  # NaN when not delivered
    delivered: Bools
    on_time: Floats  # 1/0, NaN without a promise


def predict(fitted: Fitted, lane: Ints, parent: Ints) -> tuple[Floats, Floats, Bools]:
    """p50 and p90 transit days for later shipments given their lane code and parent code in
    the fitted coding (-1: not seen before the date), and whether the lane's own figures served.
    NaN where neither the lane nor the parent has a delivery before the date."""
    n = lane.shape[0]
    if not fitted.lane.size:
        nothing = np.full(n, np.nan)
        return nothing, nothing.copy(), np.zeros(n, dtype=bool)
    stats = lane_stats(fitted.lane, fitted.parent_of_lane, fitted.transit_days,
                       fitted.delivered, fitted.on_time)  # fmt: skip
    lane_q = stats.quantiles[np.where(lane >= 0, lane, 0)]
    parent_q = stats.parents.quantiles[np.where(parent >= 0, parent, 0)]
    own = (lane >= 0) & ~np.isnan(lane_q[:, 0])
    fallback = ~own & (parent >= 0) & ~np.isnan(parent_q[:, 0])
    p50 = np.where(own, lane_q[:, 0], np.where(fallback, parent_q[:, 0], np.nan))
    p90 = np.where(own, lane_q[:, 1], np.where(fallback, parent_q[:, 1], np.nan))
    return p50, p90, own


def score(actual: Floats, p50: Floats, p90: Floats, own: Bools) -> Score:
    """Score estimates against the actual transit days of later deliveries."""
    known = ~np.isnan(p90)
    a, m, h = actual[known], p50[known], p90[known]
    covered = a <= h
    return Score(
        delivered=int(actual.shape[0]),
        estimated=int(known.sum()),
        from_lane=int((own & known).sum()),
        p50_hit=_mean(a <= m),
        p90_hit=_mean(covered),
        p90_margin_days=_mean((h - a)[covered]),
        p90_late_days=_mean((a - h)[~covered]),
        p50_error_days=float(np.median(np.abs(a - m))) if a.size else float("nan"),
    )


def score_by(group: Ints, n_groups: int, actual: Floats, p50: Floats, p90: Floats,
             own: Bools) -> list[Score]:  # fmt: skip
    """`score` per group code 0..n_groups-1 (e.g. per carrier)."""
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(n_groups + 1))
    out = []
    for g in range(n_groups):
        at = order[bounds[g] : bounds[g + 1]]
        out.append(score(actual[at], p50[at], p90[at], own[at]))
    return out


def _mean(values: Floats | Bools) -> float:
    return float(np.mean(values)) if np.size(values) else float("nan")


def _plain(value: float | int) -> float | int | None:
    if isinstance(value, float):
        return None if np.isnan(value) else round(value, 4)
    return value
