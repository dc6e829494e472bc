"""Transit-time intelligence from finished shipments, vectorised with numpy.

A lane is carrier service x origin x destination country x postcode prefix (3 characters); its
parent is the carrier service x destination country. For each lane:

- transit-time percentiles p50/p90/p95 (days from the first carrier scan to delivery), shrunk
  toward the parent's percentiles with weight w = n / (n + k). k is estimated from the data
  (empirical Bayes, method of moments): the within-lane variance of transit times divided by the
  variance of the true lane means, so lanes that really differ keep their own figures and noise
  from a handful of parcels does not;
- on-time rate (delivered by the promise, among shipments with one) and delivery success rate
  (delivered, among finished), each shrunk toward the parent's rate with a beta prior whose
  strength m is estimated the same way;
- confidence = w, the share of the estimate that comes from the lane itself.

`eta` turns lane figures into an estimated delivery date per in-flight shipment with a p90
bound. The p90 is the lane's empirical 90th percentile, so on later deliveries it covers about
90 % of parcels without padding (see tests/tracking/test_stats.py for the back-test).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

QUANTILES = (0.5, 0.9, 0.95)
K_BOUNDS = (1.0, 500.0)  # prior strength, in parcels


@dataclass(frozen=True, slots=True)
class GroupStats:
    """Per-group figures; index i describes group code i."""

    n: Ints  # finished shipments
    delivered: Ints
    quantiles: Floats  # shape (groups, 3): p50, p90, p95 transit days (NaN: nothing delivered)
    on_time_rate: Floats  # NaN when no shipment of the group had a promise
    success_rate: Floats


@dataclass(frozen=True, slots=True)
class LaneStats:
    """Lane figures after shrinkage toward their parent."""

    lanes: GroupStats  # raw, per lane
    parents: GroupStats  # raw, per parent
    quantiles: Floats  # shrunk, shape (lanes, 3)
    on_time_rate: Floats
    success_rate: Floats
    confidence: Floats
    k: float  # the prior strength of the transit-time shrinkage
    m: float  # the prior strength of the rate shrinkage


def group_quantiles(groups: Ints, values: Floats, n_groups: int) -> Floats:
    """Linear-interpolated p50/p90/p95 of `values` per group code (NaN for empty groups)."""
    out = np.full((n_groups, len(QUANTILES)), np.nan)
    if values.size == 0:
        return out
    # Sorted by group, then value: one sort of integers (group x n + the value's rank), a
    # quarter of np.lexsort's time at a million; equal values may swap, which changes nothing.
    n = values.size
    by_value = np.argsort(values)
    rank = np.empty(n, dtype=np.int64)
    rank[by_value] = np.arange(n)
    g, position = np.divmod(np.sort(groups * n + rank), n)
    v = values[by_value[position]]
    counts = np.bincount(g, minlength=n_groups)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    present = counts > 0
    for j, q in enumerate(QUANTILES):
        pos = starts[present] + q * (counts[present] - 1)
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, starts[present] + counts[present] - 1)
        frac = pos - lo
        out[present, j] = v[lo] * (1 - frac) + v[hi] * frac
    return out


def _rate(hits: Floats, totals: Floats) -> Floats:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, hits / np.where(totals > 0, totals, 1), np.nan)


def group_stats(
    groups: Ints,
    n_groups: int,
    transit_days: Floats,
    delivered: Bools,
    on_time: npt.NDArray[np.float64],
) -> GroupStats:
    """Raw figures per group. `on_time` is 1/0, NaN when the shipment had no promise."""
    n = np.bincount(groups, minlength=n_groups)
    done = np.bincount(groups, weights=delivered.astype(np.float64), minlength=n_groups)
    promised = ~np.isnan(on_time)
    hits = np.bincount(groups[promised], weights=on_time[promised], minlength=n_groups).astype(
        np.float64
    )
    with_promise = np.bincount(groups[promised], minlength=n_groups).astype(np.float64)
    quantiles = group_quantiles(groups[delivered], transit_days[delivered], n_groups)
    return GroupStats(
        n=n.astype(np.int64),
        delivered=done.astype(np.int64),
        quantiles=quantiles,
        on_time_rate=_rate(hits, with_promise),
        success_rate=_rate(np.asarray(done, dtype=np.float64), n.astype(np.float64)),
    )


def transit_prior_strength(groups: Ints, n_groups: int, values: Floats) -> float:
    """k = within-group variance / variance of true group means (method of moments)."""
    counts = np.bincount(groups, minlength=n_groups).astype(np.float64)
    used = counts >= 2
    if used.sum() < 2:
        return K_BOUNDS[1]
    sums = np.bincount(groups, weights=values, minlength=n_groups)
    squares = np.bincount(groups, weights=values * values, minlength=n_groups)
    means = sums[used] / counts[used]
    within = (squares[used] - counts[used] * means**2) / (counts[used] - 1)
    sigma2 = float(np.average(within, weights=counts[used] - 1))
    tau2 = float(np.var(means, ddof=1) - np.mean(sigma2 / counts[used]))
    if tau2 <= 0:
        return K_BOUNDS[1]
    return float(np.clip(sigma2 / tau2, *K_BOUNDS))


def rate_prior_strength(hits: Floats, totals: Floats) -> float:
    """Beta prior strength m from the spread of group rates beyond binomial noise."""
    used = totals > 0
    if used.sum() < 2:
        return K_BOUNDS[1]
    rates = hits[used] / totals[used]
    p = float(np.average(rates, weights=totals[used]))
    if p <= 0 or p >= 1:
        return K_BOUNDS[1]
    tau2 = float(np.var(rates, ddof=1) - p * (1 - p) * np.mean(1.0 / totals[used]))
    if tau2 <= 0:
        return K_BOUNDS[1]
    return float(np.clip(p * (1 - p) / tau2 - 1, *K_BOUNDS))


def lane_stats(
    lane: Ints,
    parent_of_lane: Ints,
    transit_days: Floats,
    delivered: Bools,
    on_time: Floats,
) -> LaneStats:
    """Shrunk lane figures. `lane` codes are 0..L-1 per shipment; `parent_of_lane[l]` is the
    parent code of lane l (0..P-1); delivered shipments need a finite `transit_days`."""
    n_lanes = int(parent_of_lane.shape[0])
    n_parents = int(parent_of_lane.max()) + 1 if n_lanes else 0
    parent = parent_of_lane[lane]
    lanes = group_stats(lane, n_lanes, transit_days, delivered, on_time)
    parents = group_stats(parent, n_parents, transit_days, delivered, on_time)
    k = transit_prior_strength(lane[delivered], n_lanes, transit_days[delivered])
    weight = lanes.delivered / (lanes.delivered + k)
    own = np.where(np.isnan(lanes.quantiles), 0.0, lanes.quantiles)
    prior = parents.quantiles[parent_of_lane]
    quantiles = weight[:, None] * own + (1 - weight[:, None]) * prior
    # Rates: beta-binomial shrinkage toward the parent's rate.
    m = rate_prior_strength(lanes.delivered.astype(np.float64), lanes.n.astype(np.float64))
    success = (lanes.delivered + m * parents.success_rate[parent_of_lane]) / (lanes.n + m)
    promised = ~np.isnan(on_time)
    with_promise = np.bincount(lane[promised], minlength=n_lanes).astype(np.float64)
    hits = np.bincount(lane[promised], weights=on_time[promised], minlength=n_lanes)
    parent_on_time = parents.on_time_rate[parent_of_lane]
    on_time_rate = np.where(
        np.isnan(parent_on_time),
        np.nan,
        (hits + m * np.nan_to_num(parent_on_time)) / (with_promise + m),
    )
    return LaneStats(
        lanes=lanes,
        parents=parents,
        quantiles=quantiles,
        on_time_rate=on_time_rate,
        success_rate=success,
        confidence=weight,
        k=k,
        m=m,
    )


@dataclass(frozen=True, slots=True)
class Eta:
    """Estimated delivery per in-flight shipment, epoch seconds (NaN when the lane is unknown)."""

    p50_s: Floats
    p90_s: Floats
    confidence: Floats


def eta(start_s: Floats, lane: Ints, stats: LaneStats) -> Eta:
    """Start (first scan) + the lane's shrunk p50 and p90 transit; lane -1 means no history."""
    known = lane >= 0
    safe = np.where(known, lane, 0)
    p50 = np.where(known, start_s + stats.quantiles[safe, 0] * 86_400, np.nan)
    p90 = np.where(known, start_s + stats.quantiles[safe, 1] * 86_400, np.nan)
    return Eta(p50, p90, np.where(known, stats.confidence[safe], 0.0))
