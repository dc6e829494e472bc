"""Disruption: a burst of exceptions on one carrier (or one carrier's country), judged as a rate.

A lane's recent exceptions are compared with how many of its parcels were moving in the window
(the exposure), not with a raw count: the expected count is exposure x the highest of the lane's
own baseline rate, its peers' current rate and a prior floor (`prior_rate`). A lane trips only
with at least `min_exceptions`, at least `ratio` x expected, and a one-sided Poisson tail below
`max_p_value`. A lane without a baseline (too few parcels before the window) must also have at
least `no_baseline_rate` of its moving parcels in trouble: a clear absolute threshold, so a
first sweep over old history (whose exceptions are all opened at once) suspends nobody by
accident. A disrupted lane is suspended for routing for a while.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LaneCounts:
    """Exceptions and moving parcels of one carrier lane, in the window and in the baseline."""

    carrier: str
    dest_country: str  # "" = every destination of the carrier
    recent: int  # exceptions opened in the window
    baseline: int  # exceptions opened in the baseline period before the window
    recent_shipments: int  # parcels of the lane moving in the window (the exposure)
    baseline_shipments: int  # parcels of the lane moving in the baseline period


@dataclass(frozen=True, slots=True)
class DisruptionThresholds:
    """The numbers of a workspace's disruption rule that the judgement needs."""

    min_exceptions: int = 10
    ratio: float = 3.0
    prior_rate: float = 0.05  # exceptions per moving parcel assumed when history says less
    max_p_value: float = 0.001
    min_baseline_shipments: int = 20
    no_baseline_rate: float = 0.25


@dataclass(frozen=True, slots=True)
class Disruption:
    """A lane whose recent exceptions are far above what its parcels would normally show."""

    carrier: str
    dest_country: str
    recent: int
    expected: float  # exposure x reference rate
    shipments: int  # moving parcels in the window
    p_value: float

    @property
    def reason(self) -> str:
        """One sentence for the suspension record."""
        where = f" to {self.dest_country}" if self.dest_country else ""
        return (
            f"{self.recent} exceptions on {self.carrier}{where} among {self.shipments} moving "
            f"parcels in the window, against {self.expected:.1f} expected "
            f"(Poisson p = {self.p_value:.1e})"
        )


def poisson_tail(k: int, lam: float) -> float:
    """P(X ≥ k) for X ~ Poisson(lam), accurate in the far tail (no 1 - cdf cancellation)."""
    if k <= 0:
        return 1.0
    if lam <= 0.0:
        return 0.0
    log_pmf = -lam + k * math.log(lam) - math.lgamma(k + 1)
    if k > lam:  # sum the tail upward: terms shrink geometrically once i > lam
        total, term, i = 0.0, math.exp(log_pmf), k
        while term > 0.0 and term > total * 1e-17:
            total += term
            i += 1
            term *= lam / i
        return min(total, 1.0)
    below, term = 0.0, math.exp(-lam)  # k ≤ lam: the tail is large, 1 - cdf is exact enough
    for i in range(k):
        below += term
        term *= lam / (i + 1)
    return max(0.0, 1.0 - below)


def _peer_rates(counts: list[LaneCounts]) -> dict[str, float]:
    """Per carrier: the exception rate of every other carrier together in the window."""
    whole = [c for c in counts if not c.dest_country]
    exceptions = sum(c.recent for c in whole)
    shipments = sum(c.recent_shipments for c in whole)
    rates = {}
    for c in whole:
        others = shipments - c.recent_shipments
        rates[c.carrier] = (exceptions - c.recent) / others if others > 0 else 0.0
    return rates


def disruptions(counts: list[LaneCounts], limits: DisruptionThresholds) -> list[Disruption]:
    """Lanes whose recent exceptions are a significant burst; see the module docstring."""
    peers = _peer_rates(counts)
    found = []
    for lane in counts:
        n = lane.recent_shipments
        if lane.recent < limits.min_exceptions or n <= 0:
            continue
        has_baseline = lane.baseline_shipments >= limits.min_baseline_shipments
        own = lane.baseline / lane.baseline_shipments if has_baseline else 0.0
        rate = max(own, peers.get(lane.carrier, 0.0), limits.prior_rate)
        expected = n * rate
        if lane.recent < limits.ratio * expected:
            continue
        if not has_baseline and lane.recent < limits.no_baseline_rate * n:
            continue
        p_value = poisson_tail(lane.recent, expected)
        if p_value > limits.max_p_value:
            continue
        found.append(Disruption(lane.carrier, lane.dest_country, lane.recent, expected, n, p_value))
    return sorted(found, key=lambda d: (d.carrier, d.dest_country))
