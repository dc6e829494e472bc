"""Running a poll plan: send each batch at its time through the carrier's connector.

The imperative half of the poller (`polling.plan_polls` is the pure half). A carrier that
answers 429 beyond what the client waits out, or fails as a whole, gets no further calls in
this run: its remaining numbers come back as `deferred`, and its bucket is set so the next
plan respects `Retry-After`. Other carriers carry on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from linkstar.tracking.connectors.errors import CarrierAPIError, RateLimited
from linkstar.tracking.connectors.polling import (
    DEFAULT_LIMITS,
    Bucket,
    CarrierLimit,
    PollPlan,
    after_rate_limit,
)
from linkstar.tracking.connectors.results import PullConnector, PullResult


@dataclass(frozen=True, slots=True)
class DispatchOutcome:
    """What one run fetched, which numbers were asked, and what is left for the next run."""

    result: PullResult
    polled: tuple[str, ...]  # numbers the carriers answered for (updates or failures)
    deferred: tuple[str, ...]  # numbers not asked this run (plan horizon, 429, carrier error)
    carrier_errors: Mapping[str, str] = field(default_factory=dict)
    buckets: Mapping[str, Bucket] = field(default_factory=dict)


def run_plan(
    plan: PollPlan,
    connectors: Mapping[str, PullConnector],
    *,
    clock: Callable[[], datetime],
    sleep: Callable[[float], None] = time.sleep,
    limits: Mapping[str, CarrierLimit] = DEFAULT_LIMITS,
) -> DispatchOutcome:
    """Send the plan's batches in time order; stop a carrier at its first 429 or failure."""
    results: list[PullResult] = []
    polled: list[str] = []
    deferred: list[str] = [t.tracking_number for t in plan.deferred]
    errors: dict[str, str] = {}
    buckets = dict(plan.buckets)
    for batch in sorted(plan.batches, key=lambda b: (b.not_before, b.carrier)):
        if batch.carrier in errors:
            deferred.extend(batch.numbers)
            continue
        connector = connectors.get(batch.carrier)
        if connector is None:
            errors[batch.carrier] = "no connector configured"
            deferred.extend(batch.numbers)
            continue
        wait = (batch.not_before - clock()).total_seconds()
        if wait > 0:
            sleep(wait)
        try:
            result = connector.track(list(batch.numbers))
        except RateLimited as error:
            errors[batch.carrier] = error.reason
            limit = limits.get(batch.carrier, CarrierLimit())
            buckets[batch.carrier] = after_rate_limit(
                buckets.get(batch.carrier), clock(), error.retry_after, limit
            )
            deferred.extend(batch.numbers)
            continue
        except CarrierAPIError as error:
            errors[batch.carrier] = error.reason
            deferred.extend(batch.numbers)
            continue
        results.append(result)
        polled.extend(batch.numbers)
    return DispatchOutcome(
        PullResult.merge(results), tuple(polled), tuple(deferred), errors, buckets
    )
