"""The polling dispatcher: which parcels to ask the carriers about now, in which batches.

Pure: it reads no clock and no database. The polling job loads the open shipments, calls
`plan_polls(targets, now, policy, limits, buckets)`, sends each batch at its `not_before`
through the carrier's connector, stores the returned bucket state and the poll times.

Rules
  * terminal parcels (delivered, returned) and expired ones are never polled;
  * a parcel idle (no new event) for longer than `policy.stop_after_idle`, or older than
    `policy.stop_after_age`, is no longer polled (`stopped`; the exception rules flag it);
  * the interval grows with idleness: `idle * idle_fraction`, clamped to
    [`min_interval`, `max_interval`] (1 h while a parcel moves, up to 24 h when it sleeps);
    out-for-delivery and failed-attempt parcels stay at `min_interval`;
  * a parcel never polled is due at once;
  * due parcels are grouped per carrier into batches of the carrier's `batch_size`, most
    overdue first, and each batch gets the earliest time the carrier's token bucket allows;
    batches that would start after `horizon` are deferred to the next run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from linkstar.tracking.core import Status, is_terminal

_URGENT = frozenset({Status.OUT_FOR_DELIVERY, Status.FAILED_ATTEMPT})
_NEVER = frozenset({Status.EXPIRED})


@dataclass(frozen=True, slots=True)
class PollTarget:
    """One open shipment as the poller sees it."""

    tracking_number: str
    carrier: str
    status: Status
    created_at: datetime
    last_event_at: datetime | None = None
    last_polled_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PollPolicy:
    """How often to poll: the interval grows with idleness between the two bounds."""

    min_interval: timedelta = timedelta(hours=1)
    max_interval: timedelta = timedelta(hours=24)
    idle_fraction: float = 0.25
    stop_after_idle: timedelta = timedelta(days=30)
    stop_after_age: timedelta = timedelta(days=120)

    def __post_init__(self) -> None:
        if not timedelta(0) < self.min_interval <= self.max_interval:
            raise ValueError("need 0 < min_interval <= max_interval")
        if not 0 < self.idle_fraction <= 1:
            raise ValueError("idle_fraction must be in (0, 1]")


@dataclass(frozen=True, slots=True)
class CarrierLimit:
    """A carrier API's batch size and rate limit (a token bucket of calls)."""

    batch_size: int = 1
    calls_per_second: float = 1.0
    burst: int = 1

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.calls_per_second <= 0 or self.burst < 1:
            raise ValueError("batch_size, calls_per_second and burst must be positive")


POLL_APIS: Mapping[str, str] = {
    # carriers followed through another carrier's API (one key, one rate limit)
    "dhl_express": "dhl",
    "dhl_parcel": "dhl",
    "dhl_ecommerce": "dhl",
}


def polled_carriers(apis: Iterable[str]) -> list[str]:
    """The shipment carriers read through these APIs (every DHL carrier through `dhl`)."""
    wanted = set(apis)
    return sorted(wanted | {carrier for carrier, api in POLL_APIS.items() if api in wanted})


DEFAULT_LIMITS: Mapping[str, CarrierLimit] = {
    "usps": CarrierLimit(batch_size=1, calls_per_second=1.0, burst=5),
    "ups": CarrierLimit(batch_size=1, calls_per_second=2.0, burst=5),
    "fedex": CarrierLimit(batch_size=30, calls_per_second=1.0, burst=3),
    "dhl": CarrierLimit(batch_size=1, calls_per_second=0.2, burst=1),  # 1 call per 5 s
}


@dataclass(frozen=True, slots=True)
class Bucket:
    """Token-bucket state of one carrier: tokens left at `at`."""

    tokens: float
    at: datetime

    def refill(self, now: datetime, limit: CarrierLimit) -> Bucket:
        """The bucket at `now`, topped up at the carrier's rate, never above its burst."""
        elapsed = max(0.0, (now - self.at).total_seconds())
        return Bucket(min(float(limit.burst), self.tokens + elapsed * limit.calls_per_second), now)


@dataclass(frozen=True, slots=True)
class PollDecision:
    """Whether one target is due, why, and when it next will be."""

    target: PollTarget
    due: bool
    reason: str  # due | not_due | terminal | expired | stopped_idle | stopped_age
    next_poll_at: datetime | None


@dataclass(frozen=True, slots=True)
class PollBatch:
    """One API call: a carrier, its numbers, and the earliest time it may be sent."""

    carrier: str
    numbers: tuple[str, ...]
    not_before: datetime


@dataclass(frozen=True, slots=True)
class PollPlan:
    """The batches to send now, what was deferred or skipped, and the new bucket state.

    `PollBatch.carrier` names the API to call (`dhl` for every DHL carrier, see `POLL_APIS`).
    """

    batches: tuple[PollBatch, ...]
    deferred: tuple[PollTarget, ...]
    decisions: tuple[PollDecision, ...]
    buckets: Mapping[str, Bucket] = field(default_factory=dict)


def after_rate_limit(
    bucket: Bucket | None, now: datetime, retry_after: float, limit: CarrierLimit
) -> Bucket:
    """The bucket after the carrier answered 429 with Retry-After: no call before then.

    Tokens go negative, so the next plan's first batch waits `retry_after` seconds.
    """
    current = (bucket or Bucket(float(limit.burst), now)).refill(now, limit)
    return Bucket(min(current.tokens, 1.0 - retry_after * limit.calls_per_second), now)


def poll_interval(target: PollTarget, now: datetime, policy: PollPolicy) -> timedelta:
    """How long to wait between two polls of this target."""
    if target.status in _URGENT:
        return policy.min_interval
    idle = now - (target.last_event_at or target.created_at)
    return min(policy.max_interval, max(policy.min_interval, idle * policy.idle_fraction))


def decide(target: PollTarget, now: datetime, policy: PollPolicy) -> PollDecision:
    """Is this target due for a poll at `now`?"""
    if is_terminal(target.status):
        return PollDecision(target, False, "terminal", None)
    if target.status in _NEVER:
        return PollDecision(target, False, "expired", None)
    if now - target.created_at > policy.stop_after_age:
        return PollDecision(target, False, "stopped_age", None)
    if now - (target.last_event_at or target.created_at) > policy.stop_after_idle:
        return PollDecision(target, False, "stopped_idle", None)
    if target.last_polled_at is None:
        return PollDecision(target, True, "due", now)
    next_at = target.last_polled_at + poll_interval(target, now, policy)
    if next_at <= now:
        return PollDecision(target, True, "due", next_at)
    return PollDecision(target, False, "not_due", next_at)


def plan_polls(
    targets: Iterable[PollTarget],
    now: datetime,
    *,
    policy: PollPolicy | None = None,
    limits: Mapping[str, CarrierLimit] = DEFAULT_LIMITS,
    buckets: Mapping[str, Bucket] | None = None,
    horizon: timedelta = timedelta(minutes=5),
    apis: Mapping[str, str] = POLL_APIS,
) -> PollPlan:
    """Decide who is due and batch them per carrier within each carrier's rate limit."""
    policy = policy or PollPolicy()
    decisions = tuple(decide(t, now, policy) for t in targets)
    due: dict[str, list[PollDecision]] = defaultdict(list)
    for decision in decisions:
        if decision.due:
            carrier = decision.target.carrier
            due[apis.get(carrier, carrier)].append(decision)
    batches: list[PollBatch] = []
    deferred: list[PollTarget] = []
    state = dict(buckets or {})
    for carrier in sorted(due):
        limit = limits.get(carrier, CarrierLimit())
        # most overdue first; the number breaks ties so the plan is deterministic
        ordered = sorted(
            due[carrier], key=lambda d: (d.next_poll_at or now, d.target.tracking_number)
        )
        bucket = state.get(carrier, Bucket(float(limit.burst), now)).refill(now, limit)
        for start in range(0, len(ordered), limit.batch_size):
            chunk = ordered[start : start + limit.batch_size]
            wait = 0.0 if bucket.tokens >= 1 else (1 - bucket.tokens) / limit.calls_per_second
            not_before = bucket.at + timedelta(seconds=wait)
            if not_before - now > horizon:
                deferred.extend(d.target for d in ordered[start:])
                break
            batches.append(
                PollBatch(carrier, tuple(d.target.tracking_number for d in chunk), not_before)
            )
            bucket = bucket.refill(not_before, limit)
            bucket = Bucket(bucket.tokens - 1, bucket.at)
        state[carrier] = bucket
    return PollPlan(tuple(batches), tuple(deferred), decisions, state)
