"""Reliability of a service on a lane: priors declared on the service, shrunk observed statistics.

A lane is (service, origin, destination country, destination postcode prefix). Tracking fills
per-lane statistics later; until then, and for sparse lanes, the service's declared priors hold.
Observed rates are shrunk toward the prior as a Beta posterior mean with `PRIOR_STRENGTH`
pseudo-parcels: (successes + k·prior) / (n + k); transit percentiles are blended with the same
weights. The probability of arriving within a promise of d days comes from a log-normal transit
time fitted to the lane's p50 and p90: P(T ≤ d) = Phi((ln d - ln p50) / s), s = ln(p90/p50) / z90.
Probabilities are tabulated per whole day of promise once per lane, so every chooser reads the
same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from linkstar.rating.core.model import Service

PRIOR_STRENGTH = 20.0  # pseudo-parcels the prior is worth
Z90 = 1.2815515655446004  # standard normal quantile of 0.9
MAX_PROMISE_DAYS = 60  # promises beyond are read as 60 days
DEFAULT_SUCCESS = 0.95  # delivery success rate when a service declares none
DEFAULT_ON_TIME = 0.5  # on-time rate when neither transit times nor a rate are known
ANY_ORIGIN = "*"


@dataclass(frozen=True, slots=True)
class LaneStats:
    """Observed outcomes of one service on one lane (what tracking writes)."""

    service_id: str
    origin: str  # warehouse code, or "*" for every origin
    dest_country: str
    postcode_prefix: str  # "" = the whole country
    n: int  # parcels with a final outcome
    delivered: int
    on_time: int
    transit_p50_days: float | None = None
    transit_p90_days: float | None = None
    transit_p95_days: float | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.delivered <= self.n or not 0 <= self.on_time <= self.n:
            raise ValueError("delivered and on_time must lie in 0..n")
        p50, p90 = self.transit_p50_days, self.transit_p90_days
        if (p50 is not None and p50 <= 0) or (p90 is not None and p90 <= 0):
            raise ValueError("transit days must be positive")
        if p50 is not None and p90 is not None and p50 > p90:
            raise ValueError("transit p50 is above p90")


def normal_cdf(x: float) -> float:
    """Φ(x) of the standard normal distribution."""
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def within_days(p50: float, p90: float, days: float) -> float:
    """P(T ≤ days) for a log-normal transit time with these median and 90th percentile."""
    if days <= 0:
        return 0.0
    sigma = (math.log(p90) - math.log(p50)) / Z90 if p90 > p50 else 0.0
    if sigma <= 0.0:  # no spread (or too little to represent): arrives exactly at p50
        return 1.0 if days >= p50 else 0.0
    return normal_cdf((math.log(days) - math.log(p50)) / sigma)


def _blend(observed: float | None, prior: float | None, n: int) -> float | None:
    if observed is None:
        return prior
    if prior is None:
        return observed
    return (n * observed + PRIOR_STRENGTH * prior) / (n + PRIOR_STRENGTH)


def shrink(successes: int, n: int, prior: float) -> float:
    """Beta posterior mean of a rate: (successes + k·prior) / (n + k)."""
    return (successes + PRIOR_STRENGTH * prior) / (n + PRIOR_STRENGTH)


@dataclass(frozen=True)
class Reliability:
    """What routing needs of one service on one lane."""

    transit_p50_days: float | None
    transit_p90_days: float | None
    success_rate: float
    on_time_rate: float  # against the carrier's own promise: used when the order has none
    observed: int  # parcels behind the numbers (0 = priors only)
    # on_time[d] = P(arrive within d days), d = 0..MAX_PROMISE_DAYS; empty without transit times.
    on_time: tuple[float, ...] = field(default=(), repr=False)

    def on_time_probability(self, promised_days: int | None) -> float:
        """Probability of arriving within the promise (the on-time rate when none is given)."""
        if promised_days is None or promised_days <= 0 or not self.on_time:
            return self.on_time_rate
        return self.on_time[min(promised_days, MAX_PROMISE_DAYS)]

    def p90_within(self, promised_days: int, slack_days: float = 0.0) -> bool:
        """Whether the p90 transit time fits the promise (unknown transit never fits)."""
        return self.transit_p90_days is not None and self.transit_p90_days <= (
            promised_days + slack_days
        )


def lane_reliability(service: Service, stats: LaneStats | None) -> Reliability:
    """The service's priors, with the lane's statistics (if any) shrunk toward them."""
    prior_p50, prior_p90 = service.transit_days_p50, service.transit_days_p90
    if prior_p50 is not None and prior_p90 is None:
        prior_p90 = prior_p50
    if prior_p90 is not None and prior_p50 is None:
        prior_p50 = prior_p90
    prior_success = (
        DEFAULT_SUCCESS if service.prior_success_bp is None else service.prior_success_bp / 1e4
    )
    prior_on_time = None if service.prior_on_time_bp is None else service.prior_on_time_bp / 1e4
    n = 0 if stats is None else stats.n
    p50 = _blend(None if stats is None else stats.transit_p50_days, prior_p50, n)
    p90 = _blend(None if stats is None else stats.transit_p90_days, prior_p90, n)
    if p50 is not None and p90 is None:
        p90 = p50
    if p90 is not None and p50 is None:
        p50 = p90
    success = prior_success if stats is None else shrink(stats.delivered, n, prior_success)
    table: tuple[float, ...] = ()
    if p50 is not None and p90 is not None:
        table = tuple(within_days(p50, p90, d) for d in range(MAX_PROMISE_DAYS + 1))
    if prior_on_time is None:
        # Against the carrier's own promise, taken as its declared p50 rounded up.
        prior_on_time = table[math.ceil(prior_p50)] if table and prior_p50 else DEFAULT_ON_TIME
    on_time = prior_on_time if stats is None else shrink(stats.on_time, n, prior_on_time)
    return Reliability(p50, p90, success, on_time, n, table)


class ReliabilityBook:
    """Reliability per (service, lane): the most specific statistics row that matches, else priors.

    A row for the exact origin beats one for any origin ("*"); within each, the longest
    postcode prefix that starts the destination postcode wins.
    """

    def __init__(self, services: Iterable[Service], stats: Iterable[LaneStats] = ()) -> None:
        self._services = {s.service_id: s for s in services}
        self._stats: dict[tuple[str, str, str], dict[str, LaneStats]] = {}
        for row in stats:
            key = (row.service_id, row.origin, row.dest_country)
            self._stats.setdefault(key, {})[row.postcode_prefix] = row
        self._memo: dict[tuple[str, str, str, str], Reliability] = {}

    def prefixes(self, service_id: str, origin: str, dest_country: str) -> list[tuple[str, str]]:
        """(origin, prefix) of a service's statistics rows to a country, most specific first."""
        found = []
        for key_origin in (origin, ANY_ORIGIN):
            rows = self._stats.get((service_id, key_origin, dest_country), {})
            found += [(key_origin, p) for p in sorted(rows, key=len, reverse=True)]
        return found

    def resolve(
        self, service: Service, origin: str, dest_country: str, postcode: str
    ) -> tuple[str, str]:
        """The (origin, prefix) of the statistics row used for a parcel, ("", "") for priors."""
        for key_origin, prefix in self.prefixes(service.service_id, origin, dest_country):
            if postcode.startswith(prefix):
                return key_origin, prefix
        return "", ""

    def at(self, service: Service, key_origin: str, dest_country: str, prefix: str) -> Reliability:
        """Reliability of a service on one resolved lane (memoised)."""
        key = (service.service_id, key_origin, dest_country, prefix)
        found = self._memo.get(key)
        if found is None:
            stats = None
            if key_origin:
                stats = self._stats[(service.service_id, key_origin, dest_country)][prefix]
            found = self._memo[key] = lane_reliability(service, stats)
        return found

    def lane(self, service: Service, origin: str, dest_country: str, postcode: str) -> Reliability:
        """Reliability of a service for one parcel's lane."""
        key_origin, prefix = self.resolve(service, origin, dest_country, postcode)
        return self.at(service, key_origin, dest_country, prefix)
