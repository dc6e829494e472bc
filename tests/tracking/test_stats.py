"""Transit statistics: exact percentiles, shrinkage toward the parent, p90 coverage back-test."""

from __future__ import annotations

import numpy as np
import pytest

from linkstar.tracking.core.stats import eta, group_quantiles, lane_stats


def test_group_quantiles_match_numpy_linear_percentiles():
    rng = np.random.default_rng(3)
    groups = rng.integers(0, 5, 500)
    values = rng.gamma(2.0, 2.0, 500)
    got = group_quantiles(groups, values, 6)
    for g in range(5):
        expected = np.percentile(values[groups == g], [50, 90, 95])
        assert got[g] == pytest.approx(expected)
    assert np.isnan(got[5]).all()  # an empty group has no percentiles


def test_sparse_lanes_lean_on_their_parent_and_busy_lanes_keep_their_own():
    rng = np.random.default_rng(5)
    # Parent 0 has a busy lane (0) at ~3 days and a sparse lane (1) with two slow parcels;
    # lanes 2 and 3 (parent 1) give the between-lane spread the prior strength is fitted on.
    lane = np.concatenate([np.zeros(2000), np.ones(2), np.full(500, 2), np.full(500, 3)])
    lane = lane.astype(np.int64)
    transit = np.concatenate(
        [rng.normal(3, 0.5, 2000), [9.0, 9.5], rng.normal(5, 0.5, 500), rng.normal(6, 0.5, 500)]
    )
    delivered = np.ones(lane.size, dtype=bool)
    on_time = np.where(transit <= 5, 1.0, 0.0)
    stats = lane_stats(lane, np.array([0, 0, 1, 1]), transit, delivered, on_time)
    raw_sparse = stats.lanes.quantiles[1, 0]
    parent = stats.parents.quantiles[0, 0]
    assert raw_sparse == pytest.approx(9.25)
    assert parent < stats.quantiles[1, 0] < raw_sparse  # pulled toward the parent
    assert stats.confidence[1] == pytest.approx(2 / (2 + stats.k))  # w = n / (n + k)
    assert stats.confidence[1] < stats.confidence[0] == pytest.approx(2000 / (2000 + stats.k))
    w = stats.confidence[1]
    assert stats.quantiles[1, 0] == pytest.approx(w * raw_sparse + (1 - w) * parent)
    assert stats.quantiles[0, 0] == pytest.approx(stats.lanes.quantiles[0, 0], abs=0.05)
    assert 0 < stats.on_time_rate[1] < 1 and stats.success_rate[0] == pytest.approx(1.0)


def test_p90_covers_about_ninety_percent_of_later_deliveries():
    """Back-test: fit on the first half of history, check the p90 on the second half."""
    rng = np.random.default_rng(11)
    n_lanes, per_lane = 60, 400
    lane = np.repeat(np.arange(n_lanes), per_lane)
    mu = rng.normal(1.3, 0.3, n_lanes)
    transit = np.exp(rng.normal(mu[lane], 0.35))
    half = np.tile(np.arange(per_lane) < per_lane // 2, n_lanes)
    parent = np.arange(n_lanes) % 6
    delivered = np.ones(half.sum(), dtype=bool)
    fitted = lane_stats(lane[half], parent, transit[half], delivered, np.full(half.sum(), np.nan))
    later = ~half
    covered = transit[later] <= fitted.quantiles[lane[later], 1]
    assert 0.87 <= covered.mean() <= 0.93
    # No padding: the p95 is above the p90, and the p90 is not a worst case.
    assert (fitted.quantiles[:, 2] > fitted.quantiles[:, 1]).all()
    assert (
        fitted.quantiles[:, 1] < np.array([transit[lane == i].max() for i in range(n_lanes)])
    ).all()


def test_eta_adds_lane_percentiles_to_the_first_scan():
    lane = np.zeros(10, dtype=np.int64)
    transit = np.arange(1, 11, dtype=np.float64)
    stats = lane_stats(lane, np.array([0]), transit, np.ones(10, bool), np.full(10, np.nan))
    start = np.array([0.0, 86_400.0])
    got = eta(start, np.array([0, -1]), stats)
    assert got.p50_s[0] == pytest.approx(stats.quantiles[0, 0] * 86_400)
    assert got.p90_s[0] == pytest.approx(stats.quantiles[0, 1] * 86_400)
    assert np.isnan(got.p50_s[1]) and got.confidence[1] == 0.0
